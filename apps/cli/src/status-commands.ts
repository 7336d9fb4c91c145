import type { Command } from 'commander';
import { runningNodePort } from '../../api/src/infrastructure/data-dir-lock';
import { fail, nodeHealth, print, printJson } from './cli-io';
import { Exit, jsonOption, offline, settingsOrExit, withRuntime } from './cli-runtime';

/** `status` and `projections …`: where the read models stand, and rebuilding them. */
/** The projection names' column: as wide as the longest name, so the positions line up. */
const nameWidth = (projections: readonly { name: string }[]): number => Math.max(0, ...projections.map((p) => p.name.length)) + 1;

export const registerStatusCommands = (program: Command): void => {
  const statusAction = async (options: { json?: boolean; url?: string }): Promise<void> => {
    const settings = settingsOrExit();
    // The node holding an embedded DATA_DIR says where it listens; otherwise PORT.
    const announced = settings.embedded ? runningNodePort(settings.dataDir) : null;
    const url = options.url ?? `http://127.0.0.1:${announced ?? settings.port}`;
    const health = await nodeHealth(url);
    if (health) {
      // A running node answers for itself: its store is not opened a second time.
      if (options.json) return printJson({ source: url, ...health });
      const store = health.store as { adapter?: string; head?: string } | undefined;
      print(`node at ${url}: ${String(health.status)}, province ${String(health.province)}, ${store?.adapter} head ${store?.head}`);
      // /health answers a null lag when it could not measure it (the store did not answer).
      const listed = (health.projections ?? []) as { name: string; position: string; lag: { events?: number; seconds?: number } | null }[];
      const width = nameWidth(listed);
      for (const p of listed)
        print(
          `${p.name.padEnd(width)} position ${p.position} lag ${p.lag ? `${p.lag.events ?? '?'} events, ${(p.lag.seconds ?? 0).toFixed(1)} s` : 'unknown'}`,
        );
      return;
    }
    if (options.url) {
      fail(`no node answers at ${url}`);
      throw new Exit(1);
    }
    await withRuntime(settings, offline, async (runtime) => {
      const head = await runtime.store.headPosition();
      const { measureProjectionLag } = await import('@vaxledger/projections');
      const projections = (await measureProjectionLag(runtime.store, runtime.readModels.runner.status(), { head })).map((p) => ({
        name: p.name,
        position: p.position.toString(),
        lag: { events: p.events, eventsAtLeast: p.eventsAtLeast, seconds: p.seconds },
      }));
      if (options.json)
        return printJson({ source: 'store', store: { adapter: runtime.store.capabilities.adapter, head: head.toString() }, projections });
      print(`node stopped; ${runtime.store.capabilities.adapter} store head ${head}`);
      const width = nameWidth(projections);
      for (const p of projections)
        print(
          `${p.name.padEnd(width)} position ${p.position} lag ${p.lag.events}${p.lag.eventsAtLeast ? '+' : ''} events, ${p.lag.seconds.toFixed(1)} s`,
        );
    });
  };

  program
    .command('status')
    .description("the node's state: asked over its API when it runs (PORT or --url), read from the store when it does not")
    .addOption(jsonOption)
    .option('--url <url>', 'the node to ask (default: the node holding DATA_DIR, else http://127.0.0.1:$PORT)')
    .action(statusAction);

  const projections = program.command('projections').description('read models: status and rebuild');
  projections
    .command('status')
    .description('each projection position and lag (same as `status`)')
    .addOption(jsonOption)
    .option('--url <url>', 'the node to ask (default: the node holding DATA_DIR, else http://127.0.0.1:$PORT)')
    .action(statusAction);
  projections
    .command('rebuild')
    .description('replay the log from position 0 into read models (the node must be stopped)')
    .argument('<names...>', 'projection names, or all')
    .action(async (names: string[]) => {
      // A name that is no projection is a usage error (2), found before the store is opened.
      const { PROJECTIONS, projectionNamed } = await import('@vaxledger/projections');
      const unknown = names.filter((name) => name !== 'all' && !projectionNamed(name));
      if (unknown.length > 0) {
        fail(`unknown projection ${unknown.join(', ')}; known: all, ${PROJECTIONS.map((p) => p.name).join(', ')}`);
        throw new Exit(2);
      }
      const settings = settingsOrExit();
      const { rebuildProjections } = await import('./rebuild');
      await withRuntime(settings, { projector: false }, (runtime) => rebuildProjections(runtime, names, print));
    });
};
