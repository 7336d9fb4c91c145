import fc from 'fast-check';
import { deciderSpec } from '../testing/decider-spec';
import { actor, BATCH_ID, MAH, NOW, REGULATOR } from '../testing/fixtures';
import { foldRecorded } from '../shared/decider';
import { lotReleaseDecider, type LotReleaseContext, type RefuseRelease, type ReleaseBatch } from './lot-release.decider';
import { batchReleased, batchReleaseRefused } from './lot-release.events';

const context = (overrides: Partial<LotReleaseContext> = {}): LotReleaseContext => ({
  now: NOW,
  actor: actor('regulator', REGULATOR),
  batch: { producedOn: '2026-11-01', expiresOn: '2028-10-31' },
  ...overrides,
});

const release = (decidedOn = '2026-11-15', overrides: Partial<LotReleaseContext> = {}): ReleaseBatch => ({
  type: 'ReleaseBatch',
  data: { batchId: BATCH_ID, certificateNo: 'SW20261115', decidedOn },
  context: context(overrides),
});

const refuse = (decidedOn = '2026-11-15', overrides: Partial<LotReleaseContext> = {}): RefuseRelease => ({
  type: 'RefuseRelease',
  data: { batchId: BATCH_ID, reason: 'potency below specification', decidedOn },
  context: context(overrides),
});

const released = batchReleased({
  batchId: BATCH_ID,
  certificateNo: 'SW20261115',
  decidedOn: '2026-11-15',
  authorityOrgCode: REGULATOR,
});
const refused = batchReleaseRefused({
  batchId: BATCH_ID,
  reason: 'potency below specification',
  decidedOn: '2026-11-15',
  authorityOrgCode: REGULATOR,
});

const given = deciderSpec(lotReleaseDecider);

describe('lot release, when pending', () => {
  it('grants release, naming the authority', () => given([]).when(release()).then([released]));

  it('refuses release, with the reason', () => given([]).when(refuse()).then([refused]));

  it('allows a decision on the production day', () =>
    given([])
      .when(release('2026-11-01'))
      .then([batchReleased({ ...released.data, decidedOn: '2026-11-01' })]));

  it('allows a decision on the eve of expiry', () =>
    given([])
      .when(release('2028-10-30', { now: '2028-10-30T09:00:00+08:00' }))
      .then([batchReleased({ ...released.data, decidedOn: '2028-10-30' })]));

  it('refuses an unknown batch', () =>
    given([])
      .when(release(undefined, { batch: null }))
      .thenRefuses('UNKNOWN_BATCH', 'batchId'));

  it('refuses a caller that is not a release authority', () =>
    given([])
      .when(release(undefined, { actor: actor('manufacturer', MAH) }))
      .thenRefuses('NOT_RELEASE_AUTHORITY'));

  it('refuses a decision dated before production', () =>
    given([]).when(release('2026-10-31')).thenRefuses('RELEASE_DATE_OUT_OF_RANGE', 'decidedOn'));

  it('refuses a decision on the expiry day', () =>
    given([])
      .when(refuse('2028-10-31', { now: '2028-11-01T09:00:00+08:00' }))
      .thenRefuses('RELEASE_DATE_OUT_OF_RANGE', 'decidedOn'));

  it('refuses a decision dated after today', () => given([]).when(release('2026-11-21')).thenRefuses('TIME_IN_FUTURE', 'decidedOn'));

  it('refuses a malformed date', () => given([]).when(release('15/11/2026')).thenRefuses('INVALID_DATE', 'decidedOn'));
});

describe('lot release, when released', () => {
  it('refuses a second grant', () => given([released]).when(release()).thenRefuses('RELEASE_ALREADY_DECIDED'));
  it('refuses a later refusal', () => given([released]).when(refuse()).thenRefuses('RELEASE_ALREADY_DECIDED'));
});

describe('lot release, when refused', () => {
  it('refuses a later grant: a refused lot may only be destroyed', () =>
    given([refused]).when(release()).thenRefuses('RELEASE_ALREADY_DECIDED'));

  it('folds to the refusal, deterministically', () =>
    fc.assert(
      fc.property(fc.boolean(), (grant) => {
        const recorded = [{ event: grant ? released : refused, meta: { eventId: 'e1' } }];
        const state = foldRecorded(lotReleaseDecider, recorded);
        expect(state).toEqual(foldRecorded(lotReleaseDecider, recorded));
        expect(state.status).toBe(grant ? 'released' : 'refused');
      }),
    ));
});
