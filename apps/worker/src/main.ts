import { loadSettings, SettingsError } from '@vaxledger/config';
import { openNodeRuntime } from '../../api/src/infrastructure/node-runtime';

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
    ...(process.env.SYNC_SCHEMA ? { syncSchema: process.env.SYNC_SCHEMA } : {}),
    ...(process.env.EVENT_SCHEMA ? { eventSchema: process.env.EVENT_SCHEMA } : {}),
    ...(process.env.READ_SCHEMA ? { readSchema: process.env.READ_SCHEMA } : {}),
    ...(process.env.VAULT_SCHEMA ? { vaultSchema: process.env.VAULT_SCHEMA } : {}),
    ...(process.env.SYNC_GROUP_ID ? { syncGroupId: process.env.SYNC_GROUP_ID } : {}),
  });
  const report = (): void => {
    const sync = runtime.sync;
    process.stdout.write(
      `${JSON.stringify({
        role,
        province: settings.provinceCode,
        projections:
          role === 'sync' ? undefined : runtime.readModels.runner.status().map((p) => ({ name: p.name, position: p.position.toString() })),
        sync: sync
          ? { published: sync.relay.publishedCount, imported: sync.inbox.importedCount, deadLettered: sync.inbox.deadLetteredCount }
          : undefined,
      })}\n`,
    );
  };
  process.stdout.write(`vaxledger worker: role ${role} running for province ${settings.provinceCode}\n`);
  const timer = setInterval(report, Number(process.env.WORKER_REPORT_MS ?? 5000));
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  clearInterval(timer);
  report();
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
