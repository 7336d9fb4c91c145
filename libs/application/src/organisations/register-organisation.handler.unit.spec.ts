import { type Actor, orgStream } from '@vaxledger/domain';
import { allowAll } from '../kernel/access';
import { handlerSpec } from '../testing/handler-spec';
import { CITY_CDC, CLINIC, REGULATOR } from '../testing/rows';
import { RegisterOrganisationHandler } from './register-organisation.handler';

const regulator: Actor = { orgCode: REGULATOR, role: 'regulator', provinceCode: '000000' };
const clinic = {
  orgCode: CLINIC.toLowerCase(),
  name: 'Futian clinic',
  kind: 'clinic',
  provinceCode: '440000',
  parentOrgCode: CITY_CDC,
} as const;

describe('RegisterOrganisation handler', () => {
  it('appends OrganisationRegistered under the normalised (upper-case) code', async () => {
    const spec = handlerSpec();
    const handler = new RegisterOrganisationHandler({ executor: spec.executor, access: allowAll, clock: spec.clock });
    const answer = await spec.when(() => handler.handle(clinic, regulator, { correlationId: 'c' }));
    expect(answer?.id).toBe(CLINIC);
    await spec.then([
      {
        streamId: orgStream(CLINIC),
        type: 'OrganisationRegistered',
        data: expect.objectContaining({ orgCode: CLINIC, kind: 'clinic', parentOrgCode: CITY_CDC }),
      },
    ]);
  });

  it('given the organisation already registered, refuses (ORGANISATION_EXISTS)', async () => {
    const spec = handlerSpec();
    const handler = new RegisterOrganisationHandler({ executor: spec.executor, access: allowAll, clock: spec.clock });
    await handler.handle(clinic, regulator, { correlationId: 'c' });
    await expect(handler.handle(clinic, regulator, { correlationId: 'c' })).rejects.toMatchObject({ code: 'ORGANISATION_EXISTS' });
  });

  it('refuses a code whose check character is wrong (INVALID_ORG_CODE)', async () => {
    const spec = handlerSpec();
    const handler = new RegisterOrganisationHandler({ executor: spec.executor, access: allowAll, clock: spec.clock });
    await spec.when(() => handler.handle({ ...clinic, orgCode: `${CLINIC.slice(0, 17)}0` }, regulator, { correlationId: 'c' }));
    await spec.thenRefuses('INVALID_ORG_CODE');
  });

  it('given a province outside the caller’s jurisdiction, refuses openly (FORBIDDEN)', async () => {
    const spec = handlerSpec();
    const access = { ...allowAll, mayRegisterOrganisation: () => Promise.resolve('forbidden' as const) };
    const handler = new RegisterOrganisationHandler({ executor: spec.executor, access, clock: spec.clock });
    await spec.when(() => handler.handle(clinic, regulator, { correlationId: 'c' }));
    await spec.thenRefuses('FORBIDDEN');
  });
});
