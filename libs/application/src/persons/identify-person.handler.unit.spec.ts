import { type Actor, auditStream } from '@vaxledger/domain';
import { handlerSpec, type HandlerSpec, NOW, PROVINCE } from '../testing/handler-spec';
import { CLINIC } from '../testing/rows';
import { IdentifyPersonHandler } from './identify-person.handler';
import { pseudonymFor } from './pseudonym';

const SECRET = 'a-test-pseudonym-secret-of-32-bytes!';
const clinic: Actor = { orgCode: CLINIC, role: 'clinic', provinceCode: PROVINCE };
const document = { idType: 'RESIDENT_ID', idNumber: '510104199003071237' } as const;
const PERSON_ID = pseudonymFor(SECRET, document);
const access = { purpose: 'treatment', correlationId: 'c-9', staffRef: 'N-17' } as const;

const setUp = (spec: HandlerSpec, store = spec.store) => {
  const granted: string[] = [];
  const asked: string[] = [];
  const handler = new IdentifyPersonHandler({
    store,
    grants: { grantPerson: (site, id) => Promise.resolve(void granted.push(`${site}:${id}`)) },
    history: { request: (id) => Promise.resolve(void asked.push(id)) },
    provinceCode: PROVINCE,
    pseudonymSecret: SECRET,
    personGrantTtlMs: 60_000,
    clock: spec.clock,
  });
  return { handler, granted, asked };
};

describe('IdentifyPerson handler', () => {
  it('answers the pseudonym after recording the lookup in the audit trail, asks other provinces and grants the site', async () => {
    const spec = handlerSpec();
    const { handler, granted, asked } = setUp(spec);
    expect(await handler.handle(document, clinic, access)).toEqual({ personId: PERSON_ID });
    expect(await spec.appended()).toEqual([
      {
        streamId: auditStream(CLINIC, NOW.slice(0, 10)),
        type: 'PersonLookedUp',
        data: { personId: PERSON_ID, purpose: 'treatment', accessedAt: NOW },
      },
    ]);
    const [event] = await spec.store.readAll({ after: 0n, limit: 1 });
    expect(event?.metadata).toMatchObject({ correlationId: 'c-9', actor: { staffRef: 'N-17' } });
    expect(asked).toEqual([PERSON_ID]);
    expect(granted).toEqual([`${CLINIC}:${PERSON_ID}`]);
  });

  it('refuses an invalid ID number (INVALID_PERSON_ID) and records nothing', async () => {
    const spec = handlerSpec();
    const { handler, granted } = setUp(spec);
    await spec.when(() => handler.handle({ ...document, idNumber: '510104199003071230' }, clinic, access));
    await spec.thenRefuses('INVALID_PERSON_ID');
    expect(granted).toEqual([]);
  });

  it('when the audit trail cannot be written, answers AUDIT_UNAVAILABLE and grants nothing', async () => {
    const spec = handlerSpec();
    const broken = Object.assign(Object.create(spec.store) as typeof spec.store, {
      append: () => Promise.reject(new Error('store down')),
    });
    const { handler, granted } = setUp(spec, broken);
    await expect(handler.handle(document, clinic, access)).rejects.toMatchObject({ code: 'AUDIT_UNAVAILABLE' });
    expect(granted).toEqual([]);
  });
});
