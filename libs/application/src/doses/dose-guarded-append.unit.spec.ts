import { type Actor, personStream } from '@vaxledger/domain';
import type { GuardFacts, NewEvent } from '@vaxledger/event-store';
import { batchFacts } from '../kernel/facts';
import { MemoryIdempotencyStore } from '../kernel/idempotency';
import { BATCH_ID, batchRow, CLINIC, productRow } from '../testing/rows';
import type { DoseInput } from './dose-decision';
import { type GuardedAppendDoseDeps, recordDoseWithGuardedAppend } from './dose-guarded-append';

const PROVINCE = '440000';
const PERSON_ID = 'p-1';
const actor: Actor = { orgCode: CLINIC, role: 'clinic', provinceCode: PROVINCE };

const input = (idempotencyKey: string): DoseInput => ({
  personId: PERSON_ID,
  streamId: personStream(PROVINCE, PERSON_ID),
  site: CLINIC,
  actor,
  meta: { correlationId: 'c-1', idempotencyKey },
  now: '2026-11-20T02:15:00.000Z',
  provinceCode: PROVINCE,
  data: {
    personId: PERSON_ID,
    administeredAt: '2026-11-20T10:15:00+08:00',
    batchId: BATCH_ID,
    traceCode: null,
    doseNumber: 1,
    vaccinatorRef: 'V-0042',
    route: 'IM',
  },
  batch: batchFacts(batchRow(), productRow()),
  otherDoses: [],
  details: { name: 'Li Lei', birthDate: '1990-03-07', sex: 'M' },
  fingerprint: { doseNumber: 1 },
  grantTtlMs: 60_000,
});

/** A log with guard rows that keeps what is appended to it, and stock of the batch at the clinic. */
const world = () => {
  const appended: NewEvent[] = [];
  const guard: GuardFacts = { stock: { available: 5, hold: null }, unit: null };
  const deps = {
    store: {
      capabilities: { guards: true },
      readStream: () => Promise.resolve([]),
      guardFacts: () => Promise.resolve(guard),
      guardsCatchUp: () => Promise.resolve(true),
      append: (streamId: string, events: NewEvent[]) => {
        appended.push(...events);
        return Promise.resolve({ eventIds: events.map((e) => e.eventId), revision: events.length - 1, position: 1n, replayed: false });
      },
    },
    vault: { ensureKey: () => Promise.resolve('key-1'), storeDetails: () => Promise.resolve('key-1') },
    grants: { grantPerson: () => Promise.resolve() },
    idempotency: new MemoryIdempotencyStore(),
  } as unknown as GuardedAppendDoseDeps;
  return { deps, appended };
};

describe('RecordDose with a guarded append', () => {
  // Computed by the code before the keyed event id had a function of its own: logs already
  // hold doses under these ids, and a retry must find them again.
  it("derives a keyed dose's event ids from the organisation, the key and the event's place", async () => {
    const { deps, appended } = world();
    const answer = await recordDoseWithGuardedAppend(deps, input('dose-2026-001'));
    expect(appended.map((e) => e.type)).toEqual(['PersonRegistered', 'DoseAdministered']);
    expect(answer.eventIds).toEqual(['384d127e-b469-54dd-8ae1-b9ba12f17cdb', '35bc4f20-f5f8-5922-8c4f-302f98e9ee58']);
  });

  it('answers a retry under the same key with the first answer, appending nothing more', async () => {
    const { deps, appended } = world();
    const first = await recordDoseWithGuardedAppend(deps, input('dose-2026-001'));
    const again = await recordDoseWithGuardedAppend(deps, input('dose-2026-001'));
    expect(again).toEqual(first);
    expect(appended).toHaveLength(2);
  });
});
