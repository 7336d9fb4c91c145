import { Command, CommanderError } from 'commander';
import { registerCertificateCommands } from './certificate/certificate-command';
import { fail, guardClosedPipe } from './cli-io';
import { Exit, settingsOrExit } from './cli-runtime';
import { registerEventLogCommands } from './event-log-commands';
import { registerKeyCommands } from './key-commands';
import { registerLoadCommands } from './load-commands';
import { registerStatusCommands } from './status-commands';

/**
 * The command tree, built anew for every run: commander keeps the options a run parsed on its
 * commands, so a program parsed twice (tests call `run` many times) would carry one run's
 * options into the next.
 */
const buildProgram = (): Command => {
  const program = new Command('npm run cli --')
    .description('Vaxledger operations: run on the node whose settings (DATA_DIR, DATABASE_URL, ...) are in the environment')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (text, write) => write(`vaxledger: ${text.replace(/^error: /, '')}`) });

  // Registered in the order `--help` lists them.
  registerStatusCommands(program);
  registerLoadCommands(program);
  registerEventLogCommands(program);
  registerKeyCommands(program);
  registerCertificateCommands(program, settingsOrExit, (code) => new Exit(code));
  return program;
};

/** Exit status: 0 done (or help), 1 failed, 2 usage (unknown command or option, bad value). */
export const run = async (argv: readonly string[]): Promise<number> => {
  try {
    await buildProgram().parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof Exit) return error.code;
    // Help asked for (--help, `help`) ends with 0; a usage error (commander printed it) with 2.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    throw error;
  }
};

if (require.main === module) {
  guardClosedPipe();
  run(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      fail(error instanceof Error ? error.message : String(error));
      process.exit(1);
    },
  );
}
