import { type Actor, birthDateOf, type ResidentId, sexOf } from '@vaxledger/domain';
import { noSerialiser } from '../kernel/ports';
import { handlerSpec, type HandlerSpec, PROVINCE } from '../testing/handler-spec';
import { memoryReads } from '../testing/memory-reads';
import { BATCH_ID, batchRow, CLINIC, productRow, stockRow } from '../testing/rows';
import { parseDoseCsv } from './dose-csv';
import { ImportDosesHandler } from './import-doses.handler';
import { RecordDoseHandler } from './record-dose.handler';

// The import handler over the one-by-one dose path (the in-memory store has no guard rows);
// the bulk path on PostgreSQL and PGlite is in test/api/dose-import.int.spec.ts.

const SECRET = 'a-test-pseudonym-secret-of-32-bytes!';
const clinic: Actor = { orgCode: CLINIC, role: 'clinic', provinceCode: PROVINCE };
const HEADER = 'idType,idNumber,name,birthDate,sex,batchId,doseNumber,administeredAt,route,vaccinatorRef';
// Birth date and sex as the number states them (PERSON_DETAILS_MISMATCH otherwise).
const row = (idNumber: string, name: string, batchId = BATCH_ID, at = '2026-11-20T10:15:00+08:00') =>
  `RESIDENT_ID,${idNumber},${name},${birthDateOf(idNumber as ResidentId)},${sexOf(idNumber as ResidentId)},${batchId},1,${at},IM,V-0042`;

const world = (spec: HandlerSpec, stock: number) => {
  const reads = memoryReads({ products: [productRow()], batches: [batchRow()], stock: [stockRow({ site: CLINIC, available: stock })] });
  const recordDose = new RecordDoseHandler({
    executor: spec.executor,
    reads,
    vault: { ensureKey: () => Promise.resolve('key-1'), storeDetails: () => Promise.resolve('key-1') },
    grants: { grantPerson: () => Promise.resolve() },
    siteLocks: noSerialiser,
    provinceCode: PROVINCE,
    pseudonymSecret: SECRET,
    personGrantTtlMs: 60_000,
    clock: spec.clock,
  });
  return new ImportDosesHandler({ recordDose, pseudonymSecret: SECRET });
};

describe('ImportDoses handler', () => {
  const file = [
    HEADER,
    row('510104199003071237', 'Li Lei'),
    row('510104199003071230', 'Wrong Check'), // check character wrong
    row('11010519491231002X', 'Han Meimei', `${BATCH_ID.split('-')[0]}-NOSUCH`),
    row('11010519491231002X', 'Han Meimei', BATCH_ID, 'yesterday'),
    row('510104199003071237', 'Li Lei'), // the first row again
  ].join('\n');

  it('records the valid rows, refuses each bad row with the code POST /v1/doses answers, and answers a repeated row as a duplicate', async () => {
    const spec = handlerSpec();
    const handler = world(spec, 5);
    const progress: number[] = [];
    const result = await handler.handle(
      parseDoseCsv(file),
      clinic,
      { correlationId: 'import-1' },
      { chunkSize: 2, onProgress: (done) => progress.push(done) },
    );
    expect(result.outcomes.map((o) => [o.row, o.line, o.status, o.code ?? null])).toEqual([
      [1, 2, 'recorded', null],
      [2, 3, 'refused', 'INVALID_PERSON_ID'],
      [3, 4, 'refused', 'UNKNOWN_BATCH'],
      [4, 5, 'refused', 'VALIDATION_FAILED'],
      [5, 6, 'duplicate', null],
    ]);
    expect(result.outcomes[3]!.errors).toEqual([{ field: 'administeredAt', reason: expect.stringMatching(/date and time/) }]);
    expect(result.outcomes[1]!.errors).toEqual([{ field: 'idNumber', reason: 'INVALID_PERSON_ID' }]);
    expect(result.outcomes[4]!.doseEventId).toBe(result.outcomes[0]!.doseEventId);
    expect(result.summary).toEqual({
      rows: 5,
      recorded: 1,
      duplicates: 1,
      refused: 3,
      refusedByCode: { INVALID_PERSON_ID: 1, UNKNOWN_BATCH: 1, VALIDATION_FAILED: 1 },
    });
    expect(progress).toEqual([2, 4, 5]);
    expect((await spec.appended()).filter((e) => e.type === 'DoseAdministered')).toHaveLength(1);
    // No answer repeats an ID number or a name.
    expect(JSON.stringify(result)).not.toMatch(/51010419900307123|11010519491231002X|Li Lei|Han Meimei|Wrong Check/);
  });

  it('records nothing twice when the same file comes again', async () => {
    const spec = handlerSpec();
    const handler = world(spec, 5);
    const first = await handler.handle(parseDoseCsv(file), clinic, { correlationId: 'import-1' });
    const before = (await spec.appended()).length;
    const again = await handler.handle(parseDoseCsv(`\ufeff${file}\n`), clinic, { correlationId: 'import-2' });
    expect(again.summary).toMatchObject({ recorded: 0, duplicates: 2, refused: 3 });
    expect(again.outcomes[0]!.doseEventId).toBe(first.outcomes[0]!.doseEventId);
    expect((await spec.appended()).length).toBe(before);
  });

  it('takes the idempotencyKey column as the key: the same key with another dose is IDEMPOTENCY_KEY_REUSED', async () => {
    const spec = handlerSpec();
    const handler = world(spec, 5);
    const keyed = `${HEADER},idempotencyKey\n${row('510104199003071237', 'Li Lei')},HIS-1\n${row('11010519491231002X', 'Han Meimei')},HIS-1\n`;
    const result = await handler.handle(parseDoseCsv(keyed), clinic, { correlationId: 'import-3' });
    expect(result.outcomes.map((o) => o.code ?? o.status)).toEqual(['recorded', 'IDEMPOTENCY_KEY_REUSED']);
  });

  it('refuses what the stock does not cover, row by row (INSUFFICIENT_STOCK)', async () => {
    const spec = handlerSpec();
    const handler = world(spec, 0);
    const result = await handler.handle(parseDoseCsv(`${HEADER}\n${row('510104199003071237', 'Li Lei')}\n`), clinic, {
      correlationId: 'i',
    });
    expect(result.summary.refusedByCode).toEqual({ INSUFFICIENT_STOCK: 1 });
  });
});
