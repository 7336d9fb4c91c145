import { loadSettings, SettingsError } from '@vaxledger/config';
import { createApiApp } from './app';
import { openNodeRuntime } from './infrastructure/node-runtime';

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
  let runtime;
  try {
    runtime = await openNodeRuntime(settings);
  } catch (error) {
    process.stderr.write(`vaxledger: cannot open the event store: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
  const app = await createApiApp(runtime);
  const shutdown = async (): Promise<void> => {
    await app.close();
    await runtime.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
  await app.listen(settings.port, '0.0.0.0');
  const where = settings.embedded ? `embedded PostgreSQL (PGlite) in ${settings.dataDir}` : 'PostgreSQL';
  process.stdout.write(
    `vaxledger: province ${settings.provinceCode} listening on http://localhost:${settings.port} (store: ${where}; docs: /docs)\n`,
  );
};

void main();
