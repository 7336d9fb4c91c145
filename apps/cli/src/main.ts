import { loadSettings, SettingsError } from '@vaxledger/config';
import { measureProjectionLag } from '@vaxledger/projections';
import { openNodeRuntime } from '../../api/src/infrastructure/node-runtime';
import { API_KEYS_USAGE, runApiKeysCommand, UsageError } from './api-keys/api-keys';
import { JWT_USAGE, JwtUsageError, runJwtCommand } from './jwt/dev-jwt';
import { rebuildProjections } from './rebuild';
import { runStoreCommand, STORE_USAGE, StoreUsageError } from './store/store-command';

const USAGE = `usage: npm run cli -- <command>
  projections rebuild <name|all> [...]   replay the log from position 0 into read models
  projections status                     each projection's position and lag
  demo [--doses N] [--concurrency N]     load a realistic sample through the HTTP API
${STORE_USAGE}
${API_KEYS_USAGE}
${JWT_USAGE}`;

const log = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

const main = async (argv: readonly string[]): Promise<number> => {
  const [command, sub, ...rest] = argv;
  if (command === 'jwt') {
    // Needs no node settings (it makes them): before they are loaded.
    try {
      return await runJwtCommand(argv.slice(1), log);
    } catch (error) {
      if (!(error instanceof JwtUsageError)) throw error;
      process.stderr.write(`vaxledger: ${error.message}\n${USAGE}\n`);
      return 2;
    }
  }
  let settings;
  try {
    settings = loadSettings();
  } catch (error) {
    if (error instanceof SettingsError) {
      for (const problem of error.problems) process.stderr.write(`vaxledger: configuration: ${problem}\n`);
      return 2;
    }
    throw error;
  }
  if (command === 'projections' && (sub === 'rebuild' || sub === 'status')) {
    const runtime = await openNodeRuntime(settings, { projector: false, sync: false });
    try {
      if (sub === 'status') {
        for (const p of await measureProjectionLag(runtime.store, runtime.readModels.runner.status()))
          log(`${p.name.padEnd(16)} position ${p.position} lag ${p.events}${p.eventsAtLeast ? '+' : ''} events, ${p.seconds.toFixed(1)} s`);
      } else {
        if (rest.length === 0) throw new Error('name a projection or all');
        await rebuildProjections(runtime, rest, log);
      }
    } finally {
      await runtime.close();
    }
    return 0;
  }
  if (command === 'api-keys') {
    const runtime = await openNodeRuntime(settings, { projector: false, sync: false });
    try {
      return await runApiKeysCommand(
        runtime.auth,
        [sub, ...rest].filter((a): a is string => a !== undefined),
        log,
      );
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      process.stderr.write(`vaxledger: ${error.message}\n${USAGE}\n`);
      return 2;
    } finally {
      await runtime.close();
    }
  }
  if (command === 'store') {
    // Only the log is touched: no projector, no sync. stdout carries the export, so nothing else goes there.
    const runtime = await openNodeRuntime(settings, { projector: false, sync: false });
    try {
      return await runStoreCommand(
        runtime.store,
        [sub, ...rest].filter((a): a is string => a !== undefined),
        { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr },
      );
    } catch (error) {
      if (!(error instanceof StoreUsageError)) throw error;
      process.stderr.write(`vaxledger: ${error.message}\n${USAGE}\n`);
      return 2;
    } finally {
      await runtime.close();
    }
  }
  if (command === 'demo') {
    const { runDemoCommand } = await import('./demo/demo-command');
    return runDemoCommand(
      settings,
      [sub, ...rest].filter((a): a is string => a !== undefined),
      log,
    );
  }
  process.stderr.write(`${USAGE}\n`);
  return command ? 2 : 0;
};

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`vaxledger: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
