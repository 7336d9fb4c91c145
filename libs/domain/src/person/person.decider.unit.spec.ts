import fc from 'fast-check';
import { deciderSpec, deepFreeze } from '../testing/decider-spec';
import { actor, BATCH_ID, batchFacts, CLINIC, code, NOW, OTHER_CLINIC, PROVINCIAL_CDC } from '../testing/fixtures';
import type { BatchFacts } from '../batch/batch.facts';
import { foldRecorded, type Recorded } from '../shared/decider';
import { isRuleViolation } from '../shared/rule-violation';
import {
  erasureOnHold,
  personDecider,
  retainUntilFor,
  validDoses,
  type EnterDoseInError,
  type EraseDetails,
  type RecordDose,
  type RecordDoseContext,
  type RecordDoseData,
} from './person.decider';
import {
  doseAdministered,
  doseEnteredInError,
  personDetailsErased,
  personRegistered,
  type DoseAdministered,
  type PersonEvent,
} from './person.events';

const PERSON = 'p1tz62ri4byn76xi7ekedhqwttwe';
const KEY = 'key-2026-0001';
const DAY_0 = '2026-10-01T10:00:00+08:00';

const dose: RecordDoseData = {
  personId: PERSON,
  keyId: KEY,
  administeredAt: '2026-11-20T10:15:00+08:00',
  batchId: BATCH_ID,
  traceCode: code(1),
  doseNumber: 1,
  vaccinatorRef: 'V-0042',
  route: 'IM',
};

const recordDose = (data: Partial<RecordDoseData> = {}, context: Partial<RecordDoseContext> = {}): RecordDose => ({
  type: 'RecordDose',
  data: { ...dose, ...data },
  context: {
    now: NOW,
    actor: actor('clinic', CLINIC),
    batch: batchFacts(),
    availableAtSite: 10,
    traceCode: { batchId: BATCH_ID, holderSite: CLINIC, dosesDrawn: 0 },
    otherDoses: [],
    ...context,
  },
});

const administered = (data: Partial<DoseAdministered['data']> = {}): DoseAdministered =>
  doseAdministered({
    personId: PERSON,
    siteCode: CLINIC,
    administeredAt: dose.administeredAt,
    batchId: BATCH_ID,
    productCode: '8696321',
    traceCode: code(1),
    vaccineType: 'HepB',
    doseNumber: 1,
    vaccinatorRef: 'V-0042',
    route: 'IM',
    ...data,
  });

const registered = personRegistered({ personId: PERSON, keyId: KEY });

const enterInError = (doseEventId: string): EnterDoseInError => ({
  type: 'EnterDoseInError',
  data: { doseEventId, reasonCode: 'wrong_person' },
  context: { now: NOW, actor: actor('clinic', CLINIC) },
});

const erase = (data: Partial<EraseDetails['data']> = {}, retainUntil: string | null = null): EraseDetails => ({
  type: 'EraseDetails',
  data: { personId: PERSON, legalBasis: 'subject_request', ...data },
  context: { now: NOW, actor: actor('cdc', PROVINCIAL_CDC), retainUntil },
});

const given = deciderSpec(personDecider);

/** HepB dose 1 on file, given on DAY_0 (2026-10-01), under the given event id. */
const hepB1 = (eventId = 'dose-1'): Recorded<PersonEvent>[] => [
  { event: registered, meta: { eventId: 'reg' } },
  { event: administered({ administeredAt: DAY_0, traceCode: code(9) }), meta: { eventId } },
];

describe('person record, when new', () => {
  it('registers the pseudonym and records the dose', () => given([]).when(recordDose()).then([registered, administered()]));

  it('keeps the residence region when given', () =>
    given([])
      .when(recordDose({ residenceRegion: '440304' }))
      .then([personRegistered({ personId: PERSON, keyId: KEY, residenceRegion: '440304' }), administered()]));

  it('records a point of a multi-site organisation as the site', () =>
    given([])
      .when(recordDose({}, { actor: actor('clinic', CLINIC, { siteCode: `${CLINIC}-02` }) }))
      .then([registered, administered({ siteCode: `${CLINIC}-02` })]));

  it('keeps body site, age band and override', () =>
    given([])
      .when(recordDose({ bodySite: 'left deltoid', ageBand: '18-59y', override: { code: 'outbreak', reason: 'county order' } }))
      .then([
        registered,
        administered({ bodySite: 'left deltoid', ageBand: '18-59y', override: { code: 'outbreak', reason: 'county order' } }),
      ]));

  it('records no code for a product that is not serialised', () =>
    given([])
      .when(recordDose({ traceCode: null }, { batch: batchFacts({ serialised: false }), traceCode: null }))
      .then([registered, administered({ traceCode: null })]));

  it('refuses an unknown batch', () =>
    given([])
      .when(recordDose({}, { batch: null }))
      .thenRefuses('UNKNOWN_BATCH', 'batchId'));

  it.each<[string, Partial<BatchFacts>, string]>([
    ['not released', { released: false }, 'BATCH_NOT_RELEASED'],
    ['refused release', { released: false, releaseRefused: true }, 'BATCH_NOT_RELEASED'],
    ['recalled', { recalled: true }, 'BATCH_RECALLED'],
    ['suspended', { suspended: true }, 'BATCH_SUSPENDED'],
    ['expired', { expiresOn: '2026-11-19' }, 'BATCH_EXPIRED'],
  ])('refuses a batch that is %s', (_, overrides, expected) =>
    given([])
      .when(recordDose({}, { batch: batchFacts(overrides) }))
      .thenRefuses(expected as 'BATCH_RECALLED', 'batchId'),
  );

  it('refuses a dose dated before the day its batch was released, and takes one on that day (China time)', () => {
    given([])
      .when(recordDose({ administeredAt: '2026-11-04T23:59:00+08:00' }, { batch: batchFacts({ releasedOn: '2026-11-05' }) }))
      .thenRefuses('BATCH_NOT_RELEASED', 'batchId');
    given([])
      .when(recordDose({ administeredAt: '2026-11-05T00:01:00+08:00' }, { batch: batchFacts({ releasedOn: '2026-11-05' }) }))
      .then([registered, administered({ administeredAt: '2026-11-05T00:01:00+08:00' })]);
  });

  it('refuses a dose before the birth date presented with it, which no event records', () => {
    given([])
      .when(recordDose({ administeredAt: '2026-11-20T07:59:00+08:00', birthDate: '2026-11-21' }))
      .thenRefuses('DOSE_BEFORE_BIRTH', 'administeredAt');
    // The day of birth itself is allowed (a birth dose of HepB), and the date is not in the event.
    given([])
      .when(recordDose({ administeredAt: '2026-11-20T10:15:00+08:00', birthDate: '2026-11-20' }))
      .then([registered, administered({ administeredAt: '2026-11-20T10:15:00+08:00' })]);
  });

  it('allows a dose late on the expiry day, China time', () =>
    given([])
      .when(
        recordDose(
          { administeredAt: '2026-11-20T23:30:00+08:00' },
          { batch: batchFacts({ expiresOn: '2026-11-20' }), now: '2026-11-20T23:31:00+08:00' },
        ),
      )
      .then([registered, administered({ administeredAt: '2026-11-20T23:30:00+08:00' })]));

  it('refuses a dose after midnight China time even when UTC is still on the expiry day', () =>
    given([])
      .when(
        recordDose(
          { administeredAt: '2026-11-20T16:30:00Z' },
          { batch: batchFacts({ expiresOn: '2026-11-20' }), now: '2026-11-20T16:31:00Z' },
        ),
      )
      .thenRefuses('BATCH_EXPIRED'));

  it('refuses a dose more than five minutes in the future', () =>
    given([])
      .when(recordDose({ administeredAt: '2026-11-20T12:05:01+08:00' }))
      .thenRefuses('TIME_IN_FUTURE', 'administeredAt'));

  it('accepts a clock five minutes ahead', () =>
    given([])
      .when(recordDose({ administeredAt: '2026-11-20T12:05:00+08:00' }))
      .then([registered, administered({ administeredAt: '2026-11-20T12:05:00+08:00' })]));

  it('refuses a time without offset', () =>
    given([])
      .when(recordDose({ administeredAt: '2026-11-20T10:15:00' }))
      .thenRefuses('INVALID_DATE', 'administeredAt'));

  it('refuses when the site has no usable stock of the batch', () =>
    given([])
      .when(recordDose({}, { availableAtSite: 0 }))
      .thenRefuses('INSUFFICIENT_STOCK'));

  it('refuses a serialised product without its unit code', () =>
    given([])
      .when(recordDose({ traceCode: null }, { traceCode: null }))
      .thenRefuses('TRACE_CODE_REQUIRED', 'traceCode'));

  it('refuses an unknown code', () =>
    given([])
      .when(recordDose({}, { traceCode: null }))
      .thenRefuses('UNKNOWN_TRACE_CODE', 'traceCode'));

  it('refuses a unit of another product', () =>
    given([])
      .when(recordDose({}, { traceCode: { batchId: '8699999-A1', holderSite: CLINIC, dosesDrawn: 0 } }))
      .thenRefuses('TRACE_CODE_WRONG_PRODUCT'));

  it('refuses a unit of another lot of the same product', () =>
    given([])
      .when(recordDose({}, { traceCode: { batchId: '8696321-202612B001', holderSite: CLINIC, dosesDrawn: 0 } }))
      .thenRefuses('TRACE_CODE_WRONG_BATCH'));

  it('refuses a unit held by another site', () =>
    given([])
      .when(recordDose({}, { traceCode: { batchId: BATCH_ID, holderSite: OTHER_CLINIC, dosesDrawn: 0 } }))
      .thenRefuses('TRACE_CODE_NOT_ON_HAND'));

  it('refuses a unit held by nobody (in transit or destroyed)', () =>
    given([])
      .when(recordDose({}, { traceCode: { batchId: BATCH_ID, holderSite: null, dosesDrawn: 0 } }))
      .thenRefuses('TRACE_CODE_NOT_ON_HAND'));

  it('refuses a used-up unit', () =>
    given([])
      .when(recordDose({}, { traceCode: { batchId: BATCH_ID, holderSite: CLINIC, dosesDrawn: 1 } }))
      .thenRefuses('TRACE_CODE_USED'));

  it('draws the last dose of a multi-dose unit', () =>
    given([])
      .when(
        recordDose({}, { batch: batchFacts({ dosesPerUnit: 10 }), traceCode: { batchId: BATCH_ID, holderSite: CLINIC, dosesDrawn: 9 } }),
      )
      .then([registered, administered()]));

  it.each([0, 2, 1.5])('refuses HepB dose %d as the first on file', (doseNumber) =>
    given([]).when(recordDose({ doseNumber })).thenRefuses('DOSE_NUMBER_OUT_OF_ORDER', 'doseNumber'),
  );

  it('refuses a vaccine type outside the value set', () =>
    given([])
      .when(recordDose({}, { batch: batchFacts({ vaccineType: 'Smallpox' }) }))
      .thenRefuses('UNKNOWN_VACCINE_TYPE'));

  it('has no doses to void and no details to erase', () => {
    given([]).when(enterInError('dose-1')).thenRefuses('UNKNOWN_DOSE');
    given([]).when(erase()).thenRefuses('UNKNOWN_PERSON');
  });
});

describe('person record, when HepB dose 1 is on file', () => {
  const onFile = hepB1();

  it('records dose 2 after 28 days, without registering again', () =>
    given(onFile)
      .when(recordDose({ doseNumber: 2, administeredAt: '2026-10-29T08:00:00+08:00' }))
      .then([administered({ doseNumber: 2, administeredAt: '2026-10-29T08:00:00+08:00' })]));

  it('refuses dose 2 after 27 days', () =>
    given(onFile)
      .when(recordDose({ doseNumber: 2, administeredAt: '2026-10-28T18:00:00+08:00' }))
      .thenRefuses('INTERVAL_TOO_SHORT', 'administeredAt'));

  it('gives dose 2 early under an override', () =>
    given(onFile)
      .when(recordDose({ doseNumber: 2, administeredAt: '2026-10-28T18:00:00+08:00', override: { code: 'catch_up', reason: 'travel' } }))
      .then([
        administered({ doseNumber: 2, administeredAt: '2026-10-28T18:00:00+08:00', override: { code: 'catch_up', reason: 'travel' } }),
      ]));

  it('refuses another dose 1', () => given(onFile).when(recordDose()).thenRefuses('DUPLICATE_DOSE_NUMBER', 'doseNumber'));

  it('records an intentional repeat of dose 1 under an override', () =>
    given(onFile)
      .when(recordDose({ override: { code: 'repeat', reason: 'vial found frozen' } }))
      .then([administered({ override: { code: 'repeat', reason: 'vial found frozen' } })]));

  it('refuses dose 3 before dose 2', () =>
    given(onFile)
      .when(recordDose({ doseNumber: 3 }))
      .thenRefuses('DOSE_NUMBER_OUT_OF_ORDER'));

  it('refuses a dose that names another person', () =>
    given(onFile)
      .when(recordDose({ personId: 'p1aaaaaaaaaaaaaaaaaaaaaaaaaa', doseNumber: 2 }))
      .thenRefuses('INVALID_PERSON_ID'));

  it('counts dose numbers per vaccine type', () =>
    given(onFile)
      .when(recordDose({ doseNumber: 1 }, { batch: batchFacts({ vaccineType: 'MMR' }) }))
      .then([administered({ vaccineType: 'MMR' })]));

  it('voids the dose', () =>
    given(onFile)
      .when(enterInError('dose-1'))
      .then([
        doseEnteredInError({ doseEventId: 'dose-1', reasonCode: 'wrong_person', batchId: BATCH_ID, siteCode: CLINIC, traceCode: code(9) }),
      ]));

  it('refuses to void a dose of another record', () =>
    given(onFile).when(enterInError('dose-elsewhere')).thenRefuses('UNKNOWN_DOSE', 'doseEventId'));
});

describe('person record, when HepB dose 1 was entered in error', () => {
  const voided: Recorded<PersonEvent>[] = [
    ...hepB1(),
    {
      event: doseEnteredInError({
        doseEventId: 'dose-1',
        reasonCode: 'did_not_occur',
        batchId: BATCH_ID,
        siteCode: CLINIC,
        traceCode: code(9),
      }),
      meta: { eventId: 'void-1' },
    },
  ];

  it('records dose 1 again', () => given(voided).when(recordDose()).then([administered()]));

  it('does not count it towards dose 2', () =>
    given(voided)
      .when(recordDose({ doseNumber: 2 }))
      .thenRefuses('DOSE_NUMBER_OUT_OF_ORDER'));

  it('refuses to void it twice', () => given(voided).when(enterInError('dose-1')).thenRefuses('DOSE_ALREADY_VOIDED'));

  it('lists only valid doses', () => expect(validDoses(given(voided).state())).toEqual([]));
});

describe('person record, when another province gave HepB dose 1', () => {
  const elsewhere = { eventId: 'gd-dose-1', vaccineType: 'HepB', doseNumber: 1, administeredAt: DAY_0 };
  const onFile = [registered];

  it('continues the series with dose 2', () =>
    given(onFile)
      .when(recordDose({ doseNumber: 2, administeredAt: '2026-10-29T08:00:00+08:00' }, { otherDoses: [elsewhere] }))
      .then([administered({ doseNumber: 2, administeredAt: '2026-10-29T08:00:00+08:00' })]));

  it('refuses a second dose 1', () =>
    given(onFile)
      .when(recordDose({}, { otherDoses: [elsewhere] }))
      .thenRefuses('DUPLICATE_DOSE_NUMBER'));

  it('checks the interval against it', () =>
    given(onFile)
      .when(recordDose({ doseNumber: 2, administeredAt: '2026-10-10T08:00:00+08:00' }, { otherDoses: [elsewhere] }))
      .thenRefuses('INTERVAL_TOO_SHORT'));

  it('counts a dose present in both sources once', () =>
    expect(validDoses(given(hepB1('gd-dose-1')).state(), [elsewhere])).toHaveLength(1));
});

describe('person record, when details are on file', () => {
  const onFile = hepB1();

  it('erases them', () =>
    given(onFile)
      .when(erase())
      .then([personDetailsErased({ personId: PERSON, keyId: KEY, legalBasis: 'subject_request' })]));

  it('holds them while records must be kept', () =>
    given(onFile)
      .when(erase({}, retainUntilFor('2028-10-31')))
      .thenRefuses('RETENTION_HOLD'));

  it('erases them under a court order despite retention', () =>
    given(onFile)
      .when(erase({ legalBasis: 'court_order' }, '2033-10-31'))
      .then([personDetailsErased({ personId: PERSON, keyId: KEY, legalBasis: 'court_order' })]));

  it('erases them once retention has ended', () =>
    given(onFile)
      .when(erase({ legalBasis: 'retention_expired' }, '2026-11-19'))
      .then([personDetailsErased({ personId: PERSON, keyId: KEY, legalBasis: 'retention_expired' })]));

  it('refuses another person’s erasure', () =>
    given(onFile)
      .when(erase({ personId: 'p1aaaaaaaaaaaaaaaaaaaaaaaaaa' }))
      .thenRefuses('UNKNOWN_PERSON'));

  it('keeps records five years past expiry', () => expect(retainUntilFor('2028-02-29')).toBe('2033-02-28'));

  it('refuses a person known to this node only through another province’s stream', () =>
    given([]).when(erase()).thenRefuses('UNKNOWN_PERSON'));
});

describe('erasure hold', () => {
  it('holds while today is on or before the retention end, for every basis but a court order', () => {
    for (const basis of ['retention_expired', 'subject_request', 'duplicate_identity'] as const) {
      expect(erasureOnHold(basis, '2033-10-31', '2033-10-31')).toBe(true);
      expect(erasureOnHold(basis, '2033-10-31', '2033-11-01')).toBe(false);
    }
    expect(erasureOnHold('court_order', '2033-10-31', '2026-11-23')).toBe(false);
  });

  it('never holds a person without doses', () => expect(erasureOnHold('subject_request', null, '2026-11-23')).toBe(false));
});

describe('person record, when details were erased', () => {
  const erased = [
    ...hepB1(),
    { event: personDetailsErased({ personId: PERSON, keyId: KEY, legalBasis: 'subject_request' }), meta: { eventId: 'erase-1' } },
  ];

  it('erasing again changes nothing', () => given(erased).when(erase()).then([]));

  it('records the next dose under the same pseudonym without registering details again', () =>
    given(erased)
      .when(recordDose({ keyId: KEY, doseNumber: 2 }))
      .then([administered({ doseNumber: 2 })]));

  it('stays erased when a registration arrives later', () =>
    expect(
      foldRecorded(personDecider, [
        ...erased,
        { event: personRegistered({ personId: PERSON, keyId: 'key-2027-0009' }), meta: { eventId: 'reg-2' } },
      ]),
    ).toMatchObject({ erased: true, keyId: KEY }));

  it('keeps the doses', () => expect(validDoses(given(erased).state())).toHaveLength(1));
});

// ---------------------------------------------------------------------------------------------
// Properties

describe('a unit of trace code, given to many people', () => {
  it('never yields more doses than it holds', () =>
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 0, max: 25 }), (dosesPerUnit, attempts) => {
        const batch = batchFacts({ dosesPerUnit });
        let drawn = 0;
        for (let i = 0; i < attempts; i += 1) {
          const command = recordDose(
            { personId: `p1person${i}`, administeredAt: '2026-11-20T10:00:00+08:00' },
            { batch, traceCode: { batchId: BATCH_ID, holderSite: CLINIC, dosesDrawn: drawn } },
          );
          try {
            const events = personDecider.decide(command, personDecider.initialState());
            drawn += events.filter((event) => event.type === 'DoseAdministered').length;
          } catch (error) {
            expect(isRuleViolation(error) && error.code).toBe('TRACE_CODE_USED');
          }
        }
        expect(drawn).toBe(Math.min(attempts, dosesPerUnit));
        expect(drawn).toBeLessThanOrEqual(dosesPerUnit);
      }),
    ));
});

describe('person evolve', () => {
  const eventArbitrary: fc.Arbitrary<PersonEvent> = fc.oneof(
    fc.constant<PersonEvent>(registered),
    fc
      .record({ doseNumber: fc.integer({ min: 1, max: 5 }), vaccineType: fc.constantFrom('HepB', 'MMR', 'Rabies') })
      .map(({ doseNumber, vaccineType }) => administered({ doseNumber, vaccineType })),
    fc
      .integer({ min: 1, max: 10 })
      .map((n) => doseEnteredInError({ doseEventId: `e${n}`, reasonCode: 'other', batchId: BATCH_ID, siteCode: CLINIC, traceCode: null })),
    fc.constant<PersonEvent>(personDetailsErased({ personId: PERSON, keyId: KEY, legalBasis: 'court_order' })),
  );

  it('folds the same events to the same state, without touching them', () =>
    fc.assert(
      fc.property(fc.array(eventArbitrary, { maxLength: 30 }), (events) => {
        const recorded = events.map((event, i) => deepFreeze({ event, meta: { eventId: `e${i + 1}` } }));
        expect(foldRecorded(personDecider, recorded)).toEqual(foldRecorded(personDecider, recorded));
      }),
    ));
});
