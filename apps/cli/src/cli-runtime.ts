import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Option } from 'commander';
import { loadSettings, SettingsError, type Settings } from '@vaxledger/config';
import type { NodeRuntime } from '../../api/src/infrastructure/node-runtime';
import type { RuntimeOptions } from '../../api/src/infrastructure/runtime-options';
import { fail } from './cli-io';

/**
 * What every command shares: its exit status, the node's settings, and the node's store opened
 * for the length of one command.
 */

// Each command loads what it needs when it runs: `--help` and usage errors answer at once.
const nodeRuntime = () => import('../../api/src/infrastructure/node-runtime');

/** Stops the command with this exit status (the message, if any, is already printed). */
export class Exit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

export const settingsOrExit = (): Settings => {
  try {
    return loadSettings();
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    for (const problem of error.problems) fail(`configuration: ${problem}`);
    throw new Exit(2);
  }
};

/**
 * Opens this node's store for one command; on a DATA_DIR a running node holds, says so and stops
 * (status 1). On the embedded default a DATA_DIR that holds no node yet is refused too (status 1)
 * unless the command is one that may start a node there (`mayCreate`: `store import`, `api-keys
 * issue`): opening it would create an empty node, and a mistyped folder would then pass
 * `log verify` with "0 events, no problem" and leave a stray node behind.
 */
export const withRuntime = async <T>(
  settings: Settings,
  options: RuntimeOptions,
  use: (runtime: NodeRuntime) => Promise<T>,
  { mayCreate = false }: { mayCreate?: boolean } = {},
): Promise<T> => {
  if (settings.embedded && !mayCreate && !existsSync(join(settings.dataDir, 'pglite', 'PG_VERSION'))) {
    fail(
      `DATA_DIR ${settings.dataDir} holds no node yet (no pglite/ in it): check DATA_DIR; \`npm start\` creates a node there, \`npm run cli -- store import\` restores one`,
    );
    throw new Exit(1);
  }
  const { openNodeRuntime } = await nodeRuntime();
  const { runtimeOptionsFromEnv } = await import('../../api/src/infrastructure/runtime-options');
  const { DataDirInUseError } = await import('../../api/src/infrastructure/data-dir-lock');
  const { startFailure } = await import('../../api/src/infrastructure/start-failure');
  let runtime: NodeRuntime;
  try {
    runtime = await openNodeRuntime({ ...settings, logLevel: 'warn' }, { ...runtimeOptionsFromEnv(), ...options });
  } catch (error) {
    fail(
      error instanceof DataDirInUseError
        ? `${error.message}: stop that node first, this command opens the store itself (\`status\` and \`demo\` talk to a running node)`
        : startFailure(error),
    );
    throw new Exit(1);
  }
  try {
    return await use(runtime);
  } finally {
    await runtime.close();
  }
};

export const offline: RuntimeOptions = { projector: false, sync: false };
export const jsonOption = new Option('--json', 'print the result as JSON (for scripts)');
