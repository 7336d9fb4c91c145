import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { type EventStore, loadKurrentDb, type NewEvent, PostgresEventStore } from '@vaxledger/event-store';
import { freshSchema, testDatabaseKind, testDatabaseUrl } from '../../../../test/support/database';
import { type KurrentDbDouble, startKurrentDbDouble } from '../../../../test/support/kurrentdb/kurrentdb-double';
import { runStoreCommand } from './store-command';
import { exportLog, importLog, summariseStore, wholeLog } from './store-transfer';

// A log moved PostgreSQL → KurrentDB (the test double, or KURRENTDB_URL) → PostgreSQL keeps
// every event id, stream revision and the global order: same counts, same digest.

const realServer = process.env.KURRENTDB_URL;

const openPostgres = (): Promise<PostgresEventStore> =>
  PostgresEventStore.connect({ connectionString: testDatabaseUrl(), schema: freshSchema('store_mv'), engine: testDatabaseKind() });

const event = (type: string, data: unknown, n: number): NewEvent => ({
  eventId: randomUUID(),
  type,
  schemaVersion: n % 7 === 0 ? 2 : 1,
  data,
  metadata: {
    correlationId: randomUUID(),
    originProvince: '510000',
    actor: { orgCode: '12510000MB0A1234XJ', role: 'cdc', provinceCode: '510000' },
  },
});

/** A varied log: several categories, single and multi-event appends, interleaved streams, nested and non-ASCII data. */
const loadFixture = async (store: EventStore, tag: string): Promise<number> => {
  let n = 0;
  const streams = [`org-${tag}`, `product-${tag}`, `batch-${tag}-L1`, `batch-${tag}-L2`, `site-${tag}`, `person-510000-p1${tag}`];
  for (let round = 0; round < 12; round++) {
    for (const [i, stream] of streams.entries()) {
      const size = (round + i) % 3 === 0 ? 3 : 1;
      const events = Array.from({ length: size }, () =>
        event(`Fixture${i}`, { round, i, n: ++n, note: '冷链 2–8 °C', nested: { z: 1, a: [round, { k: 'v' }] } }, n),
      );
      await store.append(stream, events, { expected: round === 0 ? 'no-stream' : 'any' });
    }
  }
  return n;
};

const capture = (): { lines: string[]; write: (line: string) => Promise<void> } => {
  const lines: string[] = [];
  return { lines, write: async (line) => void lines.push(line) };
};

async function* iterate(lines: readonly string[]): AsyncGenerator<string> {
  yield* lines;
}

describe('store export and import between PostgreSQL and KurrentDB', () => {
  let double: KurrentDbDouble | null = null;
  const stores: EventStore[] = [];
  const tag = randomUUID().slice(0, 8);

  beforeAll(async () => {
    if (!realServer) double = await startKurrentDbDouble();
  });
  afterAll(async () => {
    for (const s of stores) await s.close();
    await double?.stop();
  });
  const track = <T extends EventStore>(s: T): T => {
    stores.push(s);
    return s;
  };

  it('moves the log PostgreSQL → KurrentDB → PostgreSQL with the same ids, revisions, order and digest', async () => {
    const source = track(await openPostgres());
    const total = await loadFixture(source, tag);
    const first = capture();
    const exported = await exportLog(source, first.write);
    expect(exported.events).toBe(total);
    expect(first.lines).toHaveLength(total + 2);

    const kurrent = track(await (await loadKurrentDb()).KurrentDbEventStore.connect({ connectionString: realServer ?? double!.url }));
    const intoKurrent = await importLog(kurrent, iterate(first.lines));
    expect(intoKurrent).toMatchObject({ events: total, appended: total, replayed: 0, digest: exported.digest });

    const second = capture();
    const fromKurrent = await exportLog(kurrent, second.write, () => undefined);
    const mine = (line: string): boolean => line.includes(tag);
    // Against a shared real server the log may hold more than this test's streams: compare ours.
    expect(second.lines.filter(mine)).toHaveLength(total);
    if (!realServer) expect(fromKurrent.digest).toBe(exported.digest);

    const back = track(await openPostgres());
    const intoPostgres = await importLog(back, iterate([second.lines[0]!, ...second.lines.filter(mine), second.lines.at(-1)!]));
    expect(intoPostgres).toMatchObject({ events: total, appended: total, digest: exported.digest });
    expect((await summariseStore(back)).digest).toBe(exported.digest);

    const strip = async (s: EventStore): Promise<string[]> => {
      const out: string[] = [];
      for await (const e of wholeLog(s)) out.push(`${e.streamId}#${e.revision}#${e.eventId}#${e.type}`);
      return out;
    };
    expect(await strip(back)).toEqual(await strip(source));
    const perStream = (await summariseStore(back)).streams;
    expect(perStream).toEqual(exported.streams);
  });

  it('appends nothing when the same export is imported again', async () => {
    const source = track(await openPostgres());
    const total = await loadFixture(source, `${tag}b`);
    const file = capture();
    await exportLog(source, file.write);
    const target = track(await openPostgres());
    await importLog(target, iterate(file.lines));
    const again = await importLog(target, iterate(file.lines));
    expect(again).toMatchObject({ appended: 0, replayed: total });
    expect((await summariseStore(target)).events).toBe(total);
  });

  it('runs as the CLI does: files, progress on stderr, and a tampered export refused before anything is appended', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vx-store-'));
    const source = track(await openPostgres());
    await loadFixture(source, `${tag}c`);
    const stderr = new PassThrough();
    const errors: string[] = [];
    stderr.on('data', (c: Buffer) => errors.push(c.toString()));
    const io = { stdin: new PassThrough(), stdout: new PassThrough(), stderr };
    expect(await runStoreCommand(source, ['export', '--out', join(dir, 'log.ndjson')], io)).toBe(0);
    // The source names its engine: the machine's PostgreSQL, or PGlite when the run has no DATABASE_URL.
    const engine = process.env.TEST_DATABASE_KIND === 'pglite' ? 'pglite' : 'postgres';
    expect(errors.join('')).toMatch(new RegExp(`exported \\d+ events in 6 streams, sha256 [0-9a-f]{64} from ${engine}`));

    const tampered = readFileSync(join(dir, 'log.ndjson'), 'utf8').replace('"round":3', '"round":4');
    writeFileSync(join(dir, 'tampered.ndjson'), tampered);
    const target = track(await openPostgres());
    expect(await runStoreCommand(target, ['import', '--in', join(dir, 'tampered.ndjson')], io)).toBe(1);
    expect(errors.join('')).toMatch(/does not match its own trailer/);
    expect((await summariseStore(target)).events).toBe(0);

    expect(await runStoreCommand(target, ['import', '--in', join(dir, 'log.ndjson')], io)).toBe(0);
    // An import says what a log alone does not bring: the vault and the keys.
    expect(errors.join('')).toContain('an export holds the log only');
    expect(await runStoreCommand(target, ['verify', '--in', join(dir, 'log.ndjson')], io)).toBe(0);
    expect(errors.join('')).toMatch(new RegExp(`verified .* the ${engine} log holds the same`));

    // From a pipe, a broken line is found only when it is reached: the error says how to complete the import.
    const lines = readFileSync(join(dir, 'log.ndjson'), 'utf8').split('\n');
    const stdin = new PassThrough();
    stdin.end([...lines.slice(0, 4), 'not json', ''].join('\n'));
    const piped = track(await openPostgres());
    expect(await runStoreCommand(piped, ['import'], { ...io, stdin })).toBe(1);
    expect(errors.join('')).toContain('import the whole export again to complete it');
  });
});
