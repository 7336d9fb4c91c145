import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { type EventStore, PostgresEventStore } from '@vaxledger/event-store';
import { EnvelopeSigner, LogCheckpointer } from '@vaxledger/sync';
import { freshSchema, testDatabaseKind, testDatabaseUrl } from '../../../../test/support/database';
import { until } from '../../../../test/support/until';
import { runStoreCommand } from './store-command';
import { exportLog, importLog, LogDigest } from './store-transfer';

// `store export` files carry the signed checkpoints (as events) and `store import` checks the
// file's events against them: an edited file fails even when its trailer digest is recomputed.

const HOME = '510000';
const open = (): Promise<PostgresEventStore> =>
  PostgresEventStore.connect({ connectionString: testDatabaseUrl(), schema: freshSchema('store_chain'), engine: testDatabaseKind() });

/** Other tests' open transactions on the shared server hold readers back (ADR 0002): wait until all is readable. */
const readable = (store: EventStore): Promise<void> =>
  until('every committed event readable', async () => (await store.headPosition()) >= (await store.latestPosition()), 30_000, 20);

const exportOf = async (store: EventStore): Promise<string[]> => {
  await readable(store);
  const lines: string[] = [];
  await exportLog(store, async (line) => {
    lines.push(line);
  });
  return lines;
};

async function* linesOf(lines: readonly string[]): AsyncGenerator<string> {
  yield* lines;
}

/** The file with one event's data changed and the trailer's digest recomputed to match. */
const edited = (lines: readonly string[], index: number): string[] => {
  const events = lines.slice(1, -1).map((l) => JSON.parse(l) as Record<string, unknown> & Parameters<LogDigest['add']>[0]);
  const victim = events[index]!;
  events[index] = { ...victim, data: { ...(victim.data as object), quantity: 9999 } };
  const digest = new LogDigest();
  for (const e of events) digest.add(e);
  const trailer = JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
  return [lines[0]!, ...events.map((e) => JSON.stringify(e)), JSON.stringify({ ...trailer, digest: digest.summary().digest })];
};

describe('store export and import carry the chain', () => {
  const stores: PostgresEventStore[] = [];
  afterAll(async () => {
    for (const s of stores) await s.close();
  });

  it('imports a checkpointed log whole, and refuses the same file with one event edited', async () => {
    const source = await open();
    stores.push(source);
    for (let i = 0; i < 4; i++)
      await source.append(`batch-chain-${i}`, [
        {
          eventId: randomUUID(),
          type: 'ShipmentDispatched',
          schemaVersion: 1,
          data: { quantity: i },
          metadata: { correlationId: randomUUID(), originProvince: HOME, actor: { orgCode: 'X', role: 'cdc', provinceCode: HOME } },
        },
      ]);
    const { privateKey } = generateKeyPairSync('ed25519');
    await readable(source);
    await new LogCheckpointer(source, { provinceCode: HOME, signer: new EnvelopeSigner(privateKey), everyEvents: 10, everyMs: 1 }).runOnce(
      true,
    );
    const lines = await exportOf(source);
    expect(lines.some((l) => l.includes('"LogCheckpointed"'))).toBe(true);

    const honest = await open();
    stores.push(honest);
    await expect(importLog(honest, linesOf(lines))).resolves.toMatchObject({ events: 5, appended: 5 });

    const tampered = await open();
    stores.push(tampered);
    const victim = JSON.parse(lines[2]!) as { eventId: string };
    await expect(importLog(tampered, linesOf(edited(lines, 1)))).rejects.toThrow(
      new RegExp(`does not match its signed checkpoints: altered ${victim.eventId}`),
    );

    // As the CLI does it from a file: refused before anything is appended.
    const file = join(mkdtempSync(join(tmpdir(), 'vx-chain-')), 'edited.ndjson');
    writeFileSync(file, `${edited(lines, 1).join('\n')}\n`);
    const untouched = await open();
    stores.push(untouched);
    const stderr = new PassThrough();
    const said: Buffer[] = [];
    stderr.on('data', (chunk: Buffer) => said.push(chunk));
    const code = await runStoreCommand(untouched, ['import', '--in', file], {
      stdin: new PassThrough(),
      stdout: new PassThrough(),
      stderr,
    });
    expect(code).toBe(1);
    expect(Buffer.concat(said).toString()).toContain(`altered ${victim.eventId}`);
    expect(await untouched.readAll({ after: 0n, limit: 10 })).toEqual([]);
  });
});
