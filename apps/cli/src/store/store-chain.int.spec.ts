import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { type EventStore, PostgresEventStore } from '@vaxledger/event-store';
import { EnvelopeSigner, LogCheckpointer } from '@vaxledger/sync';
import { freshSchema, testDatabaseKind, testDatabaseUrl } from '../../../../test/support/database';
import { exportLog, importLog, LogDigest } from './store-transfer';

// `store export` files carry the signed checkpoints (as events) and `store import` checks the
// file's events against them: an edited file fails even when its trailer digest is recomputed.

const HOME = '510000';
const open = (): Promise<PostgresEventStore> =>
  PostgresEventStore.connect({ connectionString: testDatabaseUrl(), schema: freshSchema('store_chain'), engine: testDatabaseKind() });

const exportOf = async (store: EventStore): Promise<string[]> => {
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
  });
});
