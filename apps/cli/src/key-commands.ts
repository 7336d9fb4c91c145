import type { Command } from 'commander';
import { ROLES, type Role } from '@vaxledger/domain';
import { fail, print, printJson } from './cli-io';
import { Exit, jsonOption, offline, settingsOrExit, withRuntime } from './cli-runtime';

/** `api-keys …`, `vault rotate-key` and `jwt …`: the keys and tokens a node and its callers use. */
export const registerKeyCommands = (program: Command): void => {
  const apiKeys = program
    .command('api-keys')
    .description('API keys for machine clients (the node must be stopped on the embedded default)');
  const apiKeysCommand = async (args: string[]): Promise<void> => {
    const settings = settingsOrExit();
    const { runApiKeysCommand, UsageError } = await import('./api-keys/api-keys');
    // Keys may be issued before the node's first start; listing or revoking needs the node there.
    const code = await withRuntime(
      settings,
      offline,
      async (runtime) => {
        try {
          return await runApiKeysCommand(runtime.auth, args, print);
        } catch (error) {
          if (!(error instanceof UsageError)) throw error;
          fail(error.message);
          return 2;
        }
      },
      { mayCreate: args[0] === 'issue' },
    );
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
      const vaultSchema = (await import('../../api/src/infrastructure/runtime-options')).runtimeOptionsFromEnv().vaultSchema ?? 'vault';
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
    // No default: a forgotten province must not make a clinic or a CDC a national caller.
    .option('--province <code>', 'GB/T 2260 province of the caller, required (000000 = national)')
    .option('--site <siteCode>', 'the site it acts as ({orgCode}-{suffix})')
    .option('--dir <dir>', 'where `jwt init` put the key', 'jwt-dev')
    .option('--hours <n>', 'token lifetime in hours', '8')
    .addOption(jsonOption)
    .action(async (o: { role: string; org: string; province?: string; site?: string; dir: string; hours: string; json?: boolean }) => {
      if (o.province === undefined) {
        fail('--province is required: the GB/T 2260 code of the province the caller acts in (000000 for a national body)');
        throw new Exit(2);
      }
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
};
