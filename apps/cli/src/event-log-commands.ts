import type { Command } from 'commander';
import { fail, print } from './cli-io';
import { Exit, jsonOption, offline, settingsOrExit, withRuntime } from './cli-runtime';

/** `store …` and `log …`: the event log as a file, and its signed checkpoints (ADR 0019). */
export const registerEventLogCommands = (program: Command): void => {
  const store = program
    .command('store')
    .description('the event log as a file: export, import, verify (the node must be stopped on the embedded default)');
  const storeCommand = (args: string[]) => async (): Promise<void> => {
    const settings = settingsOrExit();
    const { runStoreCommand, StoreUsageError } = await import('./store/store-command');
    // Only the log is touched. stdout carries the export, so nothing else goes there.
    // An import may restore into a new DATA_DIR; export and verify need the node there.
    const code = await withRuntime(
      settings,
      offline,
      async (runtime) => {
        try {
          return await runStoreCommand(runtime.store, args, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
        } catch (error) {
          if (!(error instanceof StoreUsageError)) throw error;
          fail(error.message);
          return 2;
        }
      },
      { mayCreate: args[0] === 'import' },
    );
    throw new Exit(code);
  };
  store
    .command('export')
    .description('the whole log as NDJSON (stdout by default), progress on stderr')
    .option('--out <file>', 'write to this file')
    .action(async (o: { out?: string }) => storeCommand(['export', ...(o.out ? ['--out', o.out] : [])])());
  store
    .command('import')
    .description('append an export (stdin by default) keeping ids, revisions and order, then verify')
    .option('--in <file>', 'read this file')
    .action(async (o: { in?: string }) => storeCommand(['import', ...(o.in ? ['--in', o.in] : [])])());
  store
    .command('verify')
    .description("compare an export with this node's log: counts per stream and digest")
    .option('--in <file>', 'read this file')
    .action(async (o: { in?: string }) => storeCommand(['verify', ...(o.in ? ['--in', o.in] : [])])());

  const log = program.command('log').description('the tamper-evident log (ADR 0019)');
  log
    .command('verify')
    .description("check every origin's events against its latest signed checkpoints; names each bad event, exits 1 on any")
    .addOption(jsonOption)
    .action(async (o: { json?: boolean }) => {
      const settings = settingsOrExit();
      const { runLogVerify } = await import('./log/log-verify');
      // The runtime's key: SYNC_SIGNING_KEY, or the embedded default's own (DATA_DIR/sync-signing.key).
      throw new Exit(
        await withRuntime(settings, offline, (runtime) =>
          runLogVerify(runtime.store, { ...settings, syncSigningKey: runtime.logSigningKey }, print, o.json === true),
        ),
      );
    });
  log
    .command('checkpoint')
    .description(
      "sign what this province wrote since its last checkpoint now (SYNC_SIGNING_KEY, or the embedded default's own key); the node does it on its own",
    )
    .action(async () => {
      const settings = settingsOrExit();
      const { runLogCheckpoint } = await import('./log/log-checkpoint');
      throw new Exit(
        await withRuntime(settings, offline, (runtime) =>
          runLogCheckpoint(
            runtime.store,
            { ...settings, syncSigningKey: runtime.logSigningKey, everyEvents: settings.logCheckpoint.everyEvents },
            print,
          ),
        ),
      );
    });
};
