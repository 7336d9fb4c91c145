import type { Settings } from '@vaxledger/config';
import { createApiApp } from '../../../api/src/app';
import { openNodeRuntime } from '../../../api/src/infrastructure/node-runtime';
import { runDemo } from './demo';

const option = (args: readonly string[], name: string, fallback: number): number => {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const value = Number(args[i + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} needs a whole number`);
  return value;
};

/** `npm run demo`: starts a node on DATA_DIR / DATABASE_URL and loads the sample through its HTTP API. */
export const runDemoCommand = async (settings: Settings, args: readonly string[], log: (line: string) => void): Promise<number> => {
  const doses = option(args, '--doses', 50_000);
  const concurrency = option(args, '--concurrency', 8);
  const runtime = await openNodeRuntime({ ...settings, logLevel: 'warn' });
  const app = await createApiApp(runtime, { logger: false });
  try {
    await app.listen(0, '127.0.0.1');
    const baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    log(`demo: loading ${doses} doses through ${baseUrl} (${concurrency} workers)`);
    const summary = await runDemo({ baseUrl, doses, concurrency, log });
    log(`demo: done ${JSON.stringify(summary)}`);
    return 0;
  } finally {
    await app.close();
    await runtime.close();
  }
};
