import fc from 'fast-check';
import { deciderSpec } from '../testing/decider-spec';
import { actor, NOW, PROVINCIAL_CDC, CLINIC, REGULATOR } from '../testing/fixtures';
import { foldRecorded } from '../shared/decider';
import { organisationDecider, type RegisterOrganisation } from './organisation.decider';
import { organisationRegistered, ORG_KINDS } from './organisation.events';

const register = (data: Partial<RegisterOrganisation['data']> = {}): RegisterOrganisation => ({
  type: 'RegisterOrganisation',
  data: { orgCode: CLINIC, name: 'Futian community health centre', kind: 'clinic', provinceCode: '440304', ...data },
  context: { now: NOW, actor: actor('cdc', PROVINCIAL_CDC) },
});

const given = deciderSpec(organisationDecider);

describe('organisation, when new', () => {
  it('registers a clinic under its county CDC', () =>
    given([])
      .when(register({ parentOrgCode: PROVINCIAL_CDC }))
      .then([
        organisationRegistered({
          orgCode: CLINIC,
          name: 'Futian community health centre',
          kind: 'clinic',
          provinceCode: '440304',
          parentOrgCode: PROVINCIAL_CDC,
        }),
      ]));

  it('leaves out a parent that was not given', () => {
    const [event] = organisationDecider.decide(register(), organisationDecider.initialState());
    expect(event?.data).not.toHaveProperty('parentOrgCode');
  });

  it('refuses a province code that is not six digits', () =>
    given([])
      .when(register({ provinceCode: '4403' }))
      .thenRefuses('INVALID_REGION_CODE', 'provinceCode'));
});

describe('organisation, when registered', () => {
  const registered = [organisationRegistered({ orgCode: CLINIC, name: 'Futian', kind: 'clinic', provinceCode: '440304' })];

  it('refuses to register it again', () => given(registered).when(register()).thenRefuses('ORGANISATION_EXISTS'));

  it('holds the facts other commands need', () =>
    expect(given(registered).state()).toEqual({
      status: 'registered',
      org: { orgCode: CLINIC, kind: 'clinic', provinceCode: '440304' },
    }));
});

describe('organisation evolve', () => {
  it('is deterministic', () =>
    fc.assert(
      fc.property(fc.constantFrom(...ORG_KINDS), fc.option(fc.constant(REGULATOR), { nil: undefined }), (kind, parent) => {
        const events = [
          {
            event: organisationRegistered({ orgCode: CLINIC, name: 'x', kind, provinceCode: '440304', parentOrgCode: parent }),
            meta: { eventId: 'e1' },
          },
        ];
        expect(foldRecorded(organisationDecider, events)).toEqual(foldRecorded(organisationDecider, events));
      }),
    ));
});
