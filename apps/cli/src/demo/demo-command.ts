import type { Settings } from '@vaxledger/config';
import { nodeApplication, nodeExecutor } from '../../../api/src/infrastructure/application';
import { type NodeRuntime, openNodeRuntime } from '../../../api/src/infrastructure/node-runtime';
import { runDemo } from './demo';
import { DemoRequestError, type DemoTarget, handlerTarget, httpTarget } from './targets';

const answers = async (baseUrl: string): Promise<boolean> => {
  try {
    return (await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
};

const DEMO_USAGE = 'usage: npm run cli -- demo [--doses N] [--concurrency N] [--base-url URL] [--seed N] [--one-by-one]';

/**
 * `vaxledger demo`: loads the sample through the HTTP API of the node at --base-url, or of
 * the node already running on PORT; when none answers, opens this node (DATA_DIR or
 * DATABASE_URL) in this process and calls its use-case handlers directly, no HTTP server.
 */
export const runDemoCommand = async (settings: Settings, args: readonly string[], log: (line: string) => void): Promise<number> => {
  const values: Record<string, string> = {};
  // In process the doses go through the bulk path (group commit); --one-by-one sends each alone.
  let bulk = true;
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i]!;
    if (arg === '--one-by-one') {
      bulk = false;
      continue;
    }
    const match = /^--(doses|concurrency|base-url|seed)(?:=(.*))?$/.exec(arg);
    const value = match?.[2] ?? args[i + 1];
    if (!match || value === undefined) {
      process.stderr.write(`vaxledger demo: unexpected argument ${arg}\n${DEMO_USAGE}\n`);
      return 2;
    }
    if (match[2] === undefined) i += 1;
    values[match[1]!] = value;
  }
  const count = (name: string, fallback: number, min: number): number | null => {
    const raw = values[name];
    if (raw === undefined) return fallback;
    const n = Number(raw);
    return Number.isInteger(n) && n >= min ? n : null;
  };
  const doses = count('doses', 50_000, 0);
  const concurrency = count('concurrency', 8, 1);
  const seed = count('seed', 1, 1);
  if (doses === null || concurrency === null || seed === null) {
    process.stderr.write(`vaxledger demo: --doses, --concurrency and --seed take whole numbers\n${DEMO_USAGE}\n`);
    return 2;
  }
  const baseUrl = values['base-url'] ?? `http://127.0.0.1:${settings.port}`;
  let runtime: NodeRuntime | null = null;
  try {
    let target: DemoTarget = httpTarget(baseUrl);
    if (values['base-url'] === undefined && !(await answers(baseUrl))) {
      const where = settings.embedded ? `embedded, ${settings.dataDir}` : 'DATABASE_URL';
      log(`demo: no node answers at ${baseUrl}; opening this node here (${where}) and calling its handlers`);
      runtime = await openNodeRuntime({ ...settings, logLevel: 'warn' });
      const app = nodeApplication(runtime, nodeExecutor(runtime));
      target = handlerTarget(app, runtime.readModels, runtime.store, `this node in process (${where})`);
    }
    await runDemo({ target, doses, concurrency, seed, log, bulk });
    return 0;
  } catch (error) {
    // runDemo already printed the failing step; say once more on stderr why we stop. Status 0
    // is no answer at all (the node is not listening yet, or not at that URL): say that instead.
    const why =
      error instanceof DemoRequestError
        ? error.status === 0
          ? `${error.method} ${error.path}: ${error.body}`
          : `${error.method} ${error.path} → ${error.status}`
        : error instanceof Error
          ? error.message
          : String(error);
    process.stderr.write(`vaxledger demo: stopped: ${why}\n`);
    return 1;
  } finally {
    await runtime?.close();
  }
};
