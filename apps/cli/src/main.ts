import { Command, CommanderError, Option } from 'commander';
import { loadSettings, SettingsError, type Settings } from '@vaxledger/config';
import { ROLES, type Role } from '@vaxledger/domain';
import type { NodeRuntime, RuntimeOptions } from '../../api/src/infrastructure/node-runtime';
import { registerCertificateCommands } from './certificate/certificate-command';
import { fail, guardClosedPipe, nodeHealth, print, printJson } from './cli-io';

// Each command loads what it needs when it runs: `--help` and usage errors answer at once.
const nodeRuntime = () => import('../../api/src/infrastructure/node-runtime');

/** Stops the command with this exit status (the message, if any, is already printed). */
class Exit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

const settingsOrExit = (): Settings => {
  try {
    return loadSettings();
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    for (const problem of error.problems) fail(`configuration: ${problem}`);
    throw new Exit(2);
  }
};

/** Opens this node's store for one command; on a DATA_DIR a running node holds, says so and stops (status 1). */
const withRuntime = async <T>(settings: Settings, options: RuntimeOptions, use: (runtime: NodeRuntime) => Promise<T>): Promise<T> => {
  const { openNodeRuntime, runtimeOptionsFromEnv } = await nodeRuntime();
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

const offline: RuntimeOptions = { projector: false, sync: false };
const jsonOption = new Option('--json', 'print the result as JSON (for scripts)');

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

  const statusAction = async (options: { json?: boolean; url?: string }): Promise<void> => {
    const settings = settingsOrExit();
    const url = options.url ?? `http://127.0.0.1:${settings.port}`;
    const health = await nodeHealth(url);
    if (health) {
      // A running node answers for itself: its store is not opened a second time.
      if (options.json) return printJson({ source: url, ...health });
      const store = health.store as { adapter?: string; head?: string } | undefined;
      print(`node at ${url}: ${String(health.status)}, province ${String(health.province)}, ${store?.adapter} head ${store?.head}`);
      // /health answers a null lag when it could not measure it (the store did not answer).
      for (const p of (health.projections ?? []) as { name: string; position: string; lag: { events?: number; seconds?: number } | null }[])
        print(
          `${p.name.padEnd(18)} position ${p.position} lag ${p.lag ? `${p.lag.events ?? '?'} events, ${(p.lag.seconds ?? 0).toFixed(1)} s` : 'unknown'}`,
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
      for (const p of projections)
        print(
          `${p.name.padEnd(18)} position ${p.position} lag ${p.lag.events}${p.lag.eventsAtLeast ? '+' : ''} events, ${p.lag.seconds.toFixed(1)} s`,
        );
    });
  };

  program
    .command('status')
    .description("the node's state: asked over its API when it runs (PORT or --url), read from the store when it does not")
    .addOption(jsonOption)
    .option('--url <url>', 'the node to ask (default http://127.0.0.1:$PORT)')
    .action(statusAction);

  const projections = program.command('projections').description('read models: status and rebuild');
  projections
    .command('status')
    .description('each projection position and lag (same as `status`)')
    .addOption(jsonOption)
    .option('--url <url>', 'the node to ask (default http://127.0.0.1:$PORT)')
    .action(statusAction);
  projections
    .command('rebuild')
    .description('replay the log from position 0 into read models (the node must be stopped)')
    .argument('<names...>', 'projection names, or all')
    .action(async (names: string[]) => {
      const settings = settingsOrExit();
      const { rebuildProjections } = await import('./rebuild');
      await withRuntime(settings, { projector: false }, (runtime) => rebuildProjections(runtime, names, print));
    });

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

  const store = program
    .command('store')
    .description('the event log as a file: export, import, verify (the node must be stopped on the embedded default)');
  const storeCommand = (args: string[]) => async (): Promise<void> => {
    const settings = settingsOrExit();
    const { runStoreCommand, StoreUsageError } = await import('./store/store-command');
    // Only the log is touched. stdout carries the export, so nothing else goes there.
    const code = await withRuntime(settings, offline, async (runtime) => {
      try {
        return await runStoreCommand(runtime.store, args, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
      } catch (error) {
        if (!(error instanceof StoreUsageError)) throw error;
        fail(error.message);
        return 2;
      }
    });
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

  const apiKeys = program
    .command('api-keys')
    .description('API keys for machine clients (the node must be stopped on the embedded default)');
  const apiKeysCommand = async (args: string[]): Promise<void> => {
    const settings = settingsOrExit();
    const { runApiKeysCommand, UsageError } = await import('./api-keys/api-keys');
    const code = await withRuntime(settings, offline, async (runtime) => {
      try {
        return await runApiKeysCommand(runtime.auth, args, print);
      } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        fail(error.message);
        return 2;
      }
    });
    throw new Exit(code);
  };
  apiKeys
    .command('issue')
    .description('create a key for a machine client; it is printed once')
    .requiredOption('--org <orgCode>', 'organisation code (USCC)')
    .requiredOption('--role <role>', ROLES.join(', '))
    .requiredOption('--province <code>', 'GB/T 2260 province (000000 = national)')
    .option('--site <siteCode>', 'the site it acts as ({orgCode}-{suffix})')
    .option('--label <text>', 'a note for the key list')
    .action(async (o: Record<string, string | undefined>) =>
      apiKeysCommand(['issue', ...Object.entries(o).flatMap(([k, v]) => (v === undefined ? [] : [`--${k}`, v]))]),
    );
  apiKeys
    .command('revoke')
    .description('refuse the key from the next request on')
    .argument('<keyId>')
    .action(async (keyId: string) => apiKeysCommand(['revoke', keyId]));
  apiKeys
    .command('list')
    .description('every key: id, organisation, role, province, state (never the key)')
    .addOption(jsonOption)
    .action(async (o: { json?: boolean }) => {
      if (!o.json) return apiKeysCommand(['list']);
      await withRuntime(settingsOrExit(), offline, async (runtime) => printJson(await runtime.auth.listApiKeys()));
    });

  program
    .command('vault')
    .description('the person vault')
    .command('rotate-key')
    .description('re-wrap every person key under a new master key, in one transaction (stop every node of this vault first)')
    .option('--new-key-file <file>', 'with VAULT_MASTER_KEY: where the new key is (created when missing); then set VAULT_MASTER_KEY to it')
    .addOption(jsonOption)
    .action(async (o: { newKeyFile?: string; json?: boolean }) => {
      const settings = settingsOrExit();
      const { RotateKeyError, rotateVaultKey } = await import('./vault/rotate-key');
      const { MasterKeyRotationError } = await import('@vaxledger/privacy');
      const vaultSchema = (await nodeRuntime()).runtimeOptionsFromEnv().vaultSchema ?? 'vault';
      await withRuntime(settings, offline, async (runtime) => {
        try {
          const result = await rotateVaultKey(runtime, vaultSchema, {
            keyInDataDir: settings.vaultMasterKey === null,
            newKeyFile: o.newKeyFile,
          });
          if (o.json) return printJson(result);
          print(`re-wrapped ${result.rewrapped} person keys under the new master key`);
          print(
            result.mode === 'data-dir'
              ? `${result.keyFile} now holds it; start the node as usual`
              : `${result.keyFile} holds it: set VAULT_MASTER_KEY to its content on every node of this vault before starting them`,
          );
        } catch (error) {
          if (!(error instanceof RotateKeyError) && !(error instanceof MasterKeyRotationError)) throw error;
          fail(`vault rotate-key: ${error.message}`);
          throw new Exit(1);
        }
      });
    });

  const jwt = program.command('jwt').description('a local key and tokens for trying AUTH_MODE=jwt (not for production)');
  const hoursOf = (text: string): number => {
    const hours = Number(text);
    if (!Number.isFinite(hours) || hours <= 0 || hours > 24 * 365) {
      fail('--hours takes a number of hours (up to a year)');
      throw new Exit(2);
    }
    return hours;
  };
  jwt
    .command('init')
    .description('create an ES256 key and its JWKS in --dir (kept if there), print the node settings and a token for each role')
    .option('--dir <dir>', 'where the key, jwks.json and issuer.json go', 'jwt-dev')
    .option('--issuer <iss>', 'the iss of the tokens (JWT_ISSUER), chosen when the key is made', 'https://idp.local.vaxledger.example')
    .option('--audience <aud>', 'the aud of the tokens (JWT_AUDIENCE), chosen when the key is made', 'vaxledger-api')
    .option('--hours <n>', 'token lifetime in hours', '24')
    .addOption(jsonOption)
    .action(async (o: { dir: string; issuer: string; audience: string; hours: string; json?: boolean }) => {
      const hours = hoursOf(o.hours);
      const { initDevJwt, SAMPLE_CALLERS, signDevJwt } = await import('./jwt/dev-jwt');
      const files = await initDevJwt(o.dir, { issuer: o.issuer, audience: o.audience });
      const tokens: Record<string, { org: string; province: string; token: string }> = {};
      for (const role of ROLES)
        tokens[role] = { ...SAMPLE_CALLERS[role], token: await signDevJwt(o.dir, { role, ...SAMPLE_CALLERS[role] }, hours * 3600) };
      if (o.json) return printJson({ ...files, tokens });
      print(`${files.created ? 'created' : 'kept'} the signing key in ${files.dir} (private, mode 0600); node settings:`);
      for (const [name, value] of Object.entries(files.env)) print(`${name}=${value}`);
      print(`(outside the embedded default also DATABASE_URL, PSEUDONYM_SECRET, VAULT_MASTER_KEY). Tokens, valid ${hours} h:`);
      for (const [role, t] of Object.entries(tokens)) print(`${role.padEnd(12)} ${t.token}`);
    });
  jwt
    .command('token')
    .alias('sign')
    .description('print a token for one caller, signed with the key made by `jwt init`')
    .requiredOption('--role <role>', ROLES.join(', '))
    .requiredOption('--org <orgCode>', 'organisation code (USCC)')
    .option('--province <code>', 'GB/T 2260 province (000000 = national)', '000000')
    .option('--site <siteCode>', 'the site it acts as ({orgCode}-{suffix})')
    .option('--dir <dir>', 'where `jwt init` put the key', 'jwt-dev')
    .option('--hours <n>', 'token lifetime in hours', '8')
    .addOption(jsonOption)
    .action(async (o: { role: string; org: string; province: string; site?: string; dir: string; hours: string; json?: boolean }) => {
      const caller = { role: o.role as Role, org: o.org, province: o.province, ...(o.site ? { site: o.site } : {}) };
      const hours = hoursOf(o.hours);
      const { checkCaller, DevJwtError, signDevJwt } = await import('./jwt/dev-jwt');
      try {
        checkCaller(caller);
        const token = await signDevJwt(o.dir, caller, hours * 3600);
        if (o.json) printJson({ ...caller, token });
        else print(token);
      } catch (error) {
        if (!(error instanceof DevJwtError)) throw error;
        fail(error.message);
        throw new Exit(2);
      }
    });

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
