import type { Command } from 'commander';
import { fail, print } from './cli-io';
import { Exit, settingsOrExit, withRuntime } from './cli-runtime';

/** `demo` and `doses import`: loading data into the node. */
export const registerLoadCommands = (program: Command): void => {
  program
    .command('demo')
    .description('load a realistic sample through the HTTP API of the running node (or of a node started here)')
    .option('--doses <n>', 'doses to record (default 50000)')
    .option('--concurrency <n>', 'requests in flight (default 8)')
    .option('--base-url <url>', 'the node to load (default http://127.0.0.1:$PORT, started here when none answers)')
    .option('--seed <n>', 'random seed (default 1)')
    .option('--one-by-one', 'in process, record each dose in its own transaction instead of in groups (to compare)')
    .action(async (options: Record<string, string | boolean | undefined>) => {
      const settings = settingsOrExit();
      const args = Object.entries({
        doses: options.doses,
        concurrency: options.concurrency,
        'base-url': options.baseUrl,
        seed: options.seed,
      })
        .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
        .flatMap(([name, value]) => [`--${name}`, value]);
      if (options.oneByOne === true) args.push('--one-by-one');
      // A node answering on PORT (or at --base-url) is loaded over HTTP; otherwise the demo opens
      // the store here, which a DATA_DIR held by a node on another port refuses (status 1).
      const { runDemoCommand } = await import('./demo/demo-command');
      throw new Exit(await runDemoCommand(settings, args, print));
    });

  program
    .command('doses')
    .description('doses in bulk')
    .command('import')
    .description(
      'record the doses of a CSV file (docs/dose-import.md) at a clinic, in groups; a summary, and status 1 when any row is refused (the node must be stopped on the embedded default: a running node takes POST /v1/doses/import)',
    )
    .argument('<file>', 'the dose file: UTF-8 CSV with a header row')
    .requiredOption('--site <siteCode>', 'the clinic that gave the doses ({orgCode} or {orgCode}-{suffix}); it must be registered')
    .option('--report <file>', 'write the refused rows (row, line, code, field, reason) to this CSV file')
    .action(async (file: string, o: { site: string; report?: string }) => {
      const settings = settingsOrExit();
      const { DoseImportUsageError, runDoseImport } = await import('./doses/import-command');
      const { nodeApplication, nodeExecutor } = await import('../../api/src/infrastructure/application');
      // The projector runs: the doses are checked against read models that must show the file's batches and stock.
      const code = await withRuntime(settings, { sync: false }, async (runtime) => {
        await runtime.readModels.runner.waitFor(await runtime.store.latestPosition(), 60_000);
        const app = nodeApplication(runtime, nodeExecutor(runtime));
        try {
          return await runDoseImport(
            { app, organisation: (orgCode) => runtime.readModels.organisation(orgCode) },
            { file, site: o.site, report: o.report },
            { print, stderr: process.stderr },
          );
        } catch (error) {
          if (!(error instanceof DoseImportUsageError)) throw error;
          fail(error.message);
          return 2;
        }
      });
      throw new Exit(code);
    });
};
