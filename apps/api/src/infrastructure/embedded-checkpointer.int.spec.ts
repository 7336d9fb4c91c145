import { createPublicKey, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings } from '@vaxledger/config';
import { checkpointOf, checkpointStream, type NewEvent } from '@vaxledger/event-store';
import { Client } from 'pg';
import { until } from '../../../../test/support/until';
import { runLogVerify } from '../../../cli/src/log/log-verify';
import { LOG_SIGNING_KEY_FILE } from './log-signing-key';
import { type NodeRuntime, openNodeRuntime } from './node-runtime';

// The embedded default (PGlite in DATA_DIR, no Kafka, no SYNC_SIGNING_KEY) signs its own log:
// the API process runs the checkpointer, with a key it keeps in DATA_DIR. Events appended are
// covered by a signed checkpoint shortly after, `log verify` passes, and an event changed
// under the ledger with SQL is named.

const HOME = '510000';

const event = (n: number): NewEvent => ({
  eventId: randomUUID(),
  type: 'TamperProbeNoted',
  schemaVersion: 1,
  data: { n, note: '冷链 2–8 °C', nested: { z: n, a: [1.5, { k: 'v' }] } },
  metadata: {
    correlationId: randomUUID(),
    actor: { orgCode: '12510000MB0A1234XJ', role: 'cdc', provinceCode: HOME },
    originProvince: HOME,
  },
});

describe('log checkpoints on the embedded default (PGlite, no Kafka)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vx-embedded-tlog-'));
  const settings = loadSettings({ DATA_DIR: dataDir, LOG_CHECKPOINT_EVERY_EVENTS: '5', LOG_CHECKPOINT_INTERVAL_S: '1' });
  let runtime: NodeRuntime | null = null;
  afterAll(async () => {
    await runtime?.close();
    runtime = null;
    rmSync(dataDir, { recursive: true, force: true });
  });

  const verify = async (rt: NodeRuntime): Promise<{ code: number; text: string }> => {
    const lines: string[] = [];
    const code = await runLogVerify(rt.store, { provinceCode: HOME, syncSigningKey: rt.logSigningKey, syncTrustList: null }, (l) =>
      lines.push(l),
    );
    return { code, text: lines.join('\n') };
  };

  it('signs what the API appends without being asked, passes log verify, then names an event changed with SQL', async () => {
    expect(settings.embedded).toBe(true);
    expect(settings.syncSigningKey).toBeNull();
    runtime = await openNodeRuntime(settings, { projector: false, onDataDirLockLost: () => undefined });
    expect(runtime.sync).toBeNull();
    expect(runtime.checkpointer).not.toBeNull();
    expect(runtime.logSigningKey).not.toBeNull();
    expect(statSync(join(dataDir, LOG_SIGNING_KEY_FILE)).mode & 0o777).toBe(0o600);

    const ids: string[] = [];
    let last = 0n;
    for (let i = 0; i < 6; i++) {
      const events = [event(i * 2), event(i * 2 + 1)];
      last = (await runtime.store.append(`tamperprobe-${i % 3}`, events)).position;
      ids.push(...events.map((e) => e.eventId));
    }
    // Five at a time at most, and what is left after the one-second interval.
    const store = runtime.store;
    await until(
      'a checkpoint covering every appended event',
      async () => {
        const checkpoints = await store.readStream(checkpointStream(HOME));
        const latest = checkpoints.length > 0 ? checkpointOf(checkpoints[checkpoints.length - 1]!.data) : null;
        return latest !== null && BigInt(latest.toPosition) >= last;
      },
      30_000,
      100,
    );
    const clean = await verify(runtime);
    expect(clean.text).toMatch(new RegExp(`origin ${HOME}: \\d+ checkpoint\\(s\\), 12 event\\(s\\) checked, 0 after the last checkpoint`));
    expect(clean.code).toBe(0);

    // A database administrator with the embedded database open: trigger off, one event changed.
    const victim = ids[7]!;
    const client = new Client({ connectionString: runtime.databaseUrl });
    await client.connect();
    try {
      await client.query(
        `ALTER TABLE vaxledger.events DISABLE TRIGGER events_append_only;
         UPDATE vaxledger.events SET data = jsonb_set(data, '{n}', '7000') WHERE event_id = '${victim}';
         ALTER TABLE vaxledger.events ENABLE TRIGGER events_append_only;`,
      );
    } finally {
      await client.end();
    }
    const tampered = await verify(runtime);
    expect(tampered.text).toContain(`ALTERED event ${victim}`);
    expect(tampered.code).toBe(1);
  }, 90_000);

  it('keeps its key across restarts, and a command (no checkpointer of its own) checks with it', async () => {
    const before = createPublicKey(runtime!.logSigningKey!).export({ type: 'spki', format: 'der' });
    await runtime!.close();
    runtime = null;
    // What `npm run cli -- log verify` opens: no projector, no sync, so no checkpointer.
    runtime = await openNodeRuntime(settings, { projector: false, sync: false, onDataDirLockLost: () => undefined });
    expect(runtime.checkpointer).toBeNull();
    expect(createPublicKey(runtime.logSigningKey!).export({ type: 'spki', format: 'der' })).toEqual(before);
    const { code, text } = await verify(runtime);
    expect(text).not.toContain('BAD-CHECKPOINT');
    expect(text).toContain('ALTERED');
    expect(code).toBe(1);
  }, 60_000);
});
