import { loadSettings, SettingsError } from '@vaxledger/config';
import { measureProjectionLag } from '@vaxledger/projections';
import { assessSync, EnvelopeSigner } from '@vaxledger/sync';
import { Metrics } from '../../api/src/infrastructure/metrics';
import { openNodeRuntime } from '../../api/src/infrastructure/node-runtime';
import { runtimeOptionsFromEnv } from '../../api/src/infrastructure/runtime-options';
import { registerSyncLinkMetrics } from '../../api/src/operations/sync-metrics';
import { serveMetrics } from './metrics-endpoint';

const USAGE = 'usage: node dist/apps/worker/src/main.js --role projector|sync|all';

/**
 * The background roles of a node, each scalable on its own: `projector` keeps the read
 * models current; `sync` relays this province's events to Kafka and imports its peers'.
 * Progress and state are logged as one JSON line every few seconds.
 */
const main = async (argv: readonly string[]): Promise<number> => {
  const i = argv.indexOf('--role');
  const role = i >= 0 ? argv[i + 1] : undefined;
  if (role !== 'projector' && role !== 'sync' && role !== 'all') {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  let settings;
  try {
    settings = loadSettings();
  } catch (error) {
    if (error instanceof SettingsError) {
      for (const problem of error.problems) process.stderr.write(`vaxledger worker: configuration: ${problem}\n`);
      return 2;
    }
    throw error;
  }
  if ((role === 'sync' || role === 'all') && settings.kafkaBrokers.length === 0) {
    process.stderr.write('vaxledger worker: the sync role needs KAFKA_BROKERS\n');
    return 2;
  }
  const runtime = await openNodeRuntime(settings, {
    projector: role !== 'sync',
    sync: role !== 'projector',
    ...runtimeOptionsFromEnv(),
    // Fault injection for the crash tests: die the hard way between Kafka's acknowledgement
    // and the relay checkpoint, the worst moment for duplicates.
    ...(process.env.VAXLEDGER_FAILPOINT === 'relay-exit-after-publish'
      ? { onRelayPublished: () => process.kill(process.pid, 'SIGKILL') }
      : {}),
  });
  // One JSON line: projection lag in events and seconds (never log positions), sync counts.
  const report = async (): Promise<void> => {
    const sync = runtime.sync;
    const projections =
      role === 'sync'
        ? undefined
        : (await measureProjectionLag(runtime.store, runtime.readModels.runner.status()).catch(() => [])).map((p) => ({
            name: p.name,
            lagEvents: p.events,
            lagSeconds: p.seconds,
          }));
    // The same judgement as the API's /health: link states, the relay's backlog, problems.
    const health = sync ? await assessSync(sync, settings.syncHealth).catch(() => null) : null;
    process.stdout.write(
      `${JSON.stringify({
        role,
        province: settings.provinceCode,
        projections,
        sync: sync
          ? {
              status: health?.status ?? 'unknown',
              ...(health && health.problems.length > 0 ? { problems: health.problems } : {}),
              relay: health ? { state: health.relay.state, backlog: health.relay.backlog?.events ?? null } : undefined,
              inbox: health?.inbox ? { state: health.inbox.state } : undefined,
              published: sync.relay.publishedCount,
              imported: sync.inbox.importedCount,
              deadLettered: sync.inbox.deadLetteredCount,
            }
          : undefined,
      })}\n`,
    );
  };
  const metrics = settings.workerMetricsPort !== null ? new Metrics(runtime) : null;
  // The sync links' gauges, as the API's /metrics has them.
  if (metrics) registerSyncLinkMetrics(metrics.registry, runtime.sync, settings.syncHealth);
  const metricsServer = metrics && settings.workerMetricsPort !== null ? await serveMetrics(metrics, settings.workerMetricsPort) : null;
  process.stdout.write(
    `vaxledger worker: role ${role} running for province ${settings.provinceCode}${metricsServer ? `; metrics on :${settings.workerMetricsPort}/metrics` : ''}\n`,
  );
  if (runtime.sync) {
    // Say once how this node's sync is protected (no key material, only the key id).
    const signer = settings.syncSigningKey ? `signing as key ${new EnvelopeSigner(settings.syncSigningKey).keyId}` : 'UNSIGNED';
    const checking = settings.syncTrustList
      ? `checking signatures of ${Object.keys(settings.syncTrustList).length} provinces`
      : 'NOT checking signatures';
    process.stdout.write(`vaxledger worker: sync ${signer}, ${checking}\n`);
  }
  const timer = setInterval(() => void report(), Number(process.env.WORKER_REPORT_MS ?? 5000));
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  clearInterval(timer);
  await report();
  await new Promise((resolve) => (metricsServer ? metricsServer.close(resolve) : resolve(undefined)));
  await runtime.close();
  return 0;
};

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`vaxledger worker: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
