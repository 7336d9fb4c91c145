import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { loadSettings, SettingsError } from '@vaxledger/config';
import { createApiApp } from './app';
import { announcePort } from './infrastructure/data-dir-lock';
import { openNodeRuntime } from './infrastructure/node-runtime';
import { runtimeOptionsFromEnv } from './infrastructure/runtime-options';
import { startFailure } from './infrastructure/start-failure';

const main = async (): Promise<void> => {
  let settings;
  try {
    settings = loadSettings();
  } catch (error) {
    if (error instanceof SettingsError) {
      for (const problem of error.problems) process.stderr.write(`vaxledger: configuration: ${problem}\n`);
      process.exit(2);
    }
    throw error;
  }
  if (settings.authMode === 'dev')
    process.stderr.write('vaxledger: WARNING AUTH_MODE=dev: callers are trusted from the X-Dev-Actor header (embedded default only)\n');
  if (settings.jwt?.jwksFile) {
    // A JWKS file that cannot be read would refuse every caller: stop now, naming the setting.
    try {
      const keys = (JSON.parse(readFileSync(settings.jwt.jwksFile, 'utf8')) as { keys?: unknown }).keys;
      if (!Array.isArray(keys) || keys.length === 0) throw new Error('no keys');
    } catch {
      process.stderr.write('vaxledger: configuration: JWT_JWKS_FILE must name a readable JWKS document with at least one key\n');
      process.exit(2);
    }
  }
  if (settings.jwt)
    process.stdout.write(`vaxledger: bearer JWTs from ${settings.jwt.issuer} (ES256/RS256); API keys from the node's auth tables\n`);
  let runtime;
  try {
    // PROJECTOR: thread (default; off the request event loop), inline, or worker (another process).
    const projector = settings.projector === 'inline' ? true : settings.projector === 'worker' ? false : 'thread';
    runtime = await openNodeRuntime(settings, { ...runtimeOptionsFromEnv(), projector });
  } catch (error) {
    process.stderr.write(`vaxledger: ${startFailure(error)}\n`);
    process.exit(1);
  }
  const app = await createApiApp(runtime);
  // An operator sees what a stop is doing and when it is done: requests in flight finish, the
  // projector and sync stop at a committed point, the store closes (PGlite writes its files).
  const shutdown = async (signal: NodeJS.Signals): Promise<void> => {
    process.stdout.write(`vaxledger: ${signal}: stopping (requests in flight finish, then the store closes)\n`);
    try {
      await app.close();
      await runtime.close();
    } catch (error) {
      process.stderr.write(`vaxledger: stop failed: ${(error as Error).message}\n`);
      process.exit(1);
    }
    process.stdout.write('vaxledger: stopped\n');
    process.exit(0);
  };
  process.once('SIGINT', (signal) => void shutdown(signal));
  process.once('SIGTERM', (signal) => void shutdown(signal));
  await app.listen(settings.port, '0.0.0.0');
  const address = app.getHttpServer().address() as AddressInfo | null;
  const port = address?.port ?? settings.port;
  // The CLI's `status` finds this node by its DATA_DIR, whatever PORT it is given.
  if (settings.embedded) announcePort(settings.dataDir, port);
  const where =
    settings.eventStore === 'kurrentdb'
      ? 'KurrentDB (log), PostgreSQL (read models)'
      : settings.embedded
        ? `embedded PostgreSQL (PGlite) in ${settings.dataDir}`
        : 'PostgreSQL';
  process.stdout.write(
    `vaxledger: province ${settings.provinceCode} listening on http://localhost:${port} (store: ${where}; docs: /docs)\n`,
  );
};

void main();
