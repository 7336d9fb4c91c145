import { ROLES, type Role } from '@vaxledger/domain';
import type { AuthStore } from '../../../api/src/auth/auth-store';
import { isCanonicalOrgCode } from '../../../api/src/auth/policy';

export const API_KEYS_USAGE = `  api-keys issue --org <orgCode> --role <role> --province <code> [--site <siteCode>] [--label <text>]
                                         create a key for a machine client; it is printed once
  api-keys revoke <keyId>                refuse the key from the next request on
  api-keys list                          every key: id, organisation, role, province, state (never the key)`;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const flags = (args: readonly string[]): Map<string, string> => {
  const out = new Map<string, string>();
  for (let i = 0; i < args.length; i += 2) {
    const name = args[i];
    const value = args[i + 1];
    if (!name?.startsWith('--') || value === undefined) throw new UsageError(`expected --name value pairs, got ${name ?? 'nothing'}`);
    out.set(name.slice(2), value);
  }
  return out;
};

/**
 * `api-keys issue|revoke|list` against a node's auth tables. Returns the exit code; `print`
 * gets stdout lines. The key itself appears exactly once, in the answer to `issue`.
 */
export const runApiKeysCommand = async (auth: AuthStore, args: readonly string[], print: (line: string) => void): Promise<number> => {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'issue': {
      const given = flags(rest);
      const orgCode = given.get('org') ?? '';
      const role = given.get('role') ?? '';
      const provinceCode = given.get('province') ?? '';
      const site = given.get('site');
      if (!isCanonicalOrgCode(orgCode)) throw new UsageError('--org must be a valid organisation code (USCC)');
      if (!(ROLES as readonly string[]).includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
      if (!/^\d{6}$/.test(provinceCode)) throw new UsageError('--province must be a six-digit GB/T 2260 code (000000 = national)');
      if (site !== undefined && site !== orgCode && !new RegExp(`^${orgCode}-[0-9A-Z]{1,8}$`).test(site))
        throw new UsageError('--site must be the organisation code or {orgCode}-{suffix}');
      const { key, info } = await auth.issueApiKey({
        orgCode,
        role: role as Role,
        provinceCode,
        siteCode: site ?? null,
        label: given.get('label') ?? '',
      });
      print(`key id:  ${info.keyId}`);
      print(`api key: ${key}`);
      print('Store the key now: it is not kept and cannot be shown again. Send it as "Authorization: ApiKey <key>" or "X-Api-Key: <key>".');
      return 0;
    }
    case 'revoke': {
      const keyId = rest[0];
      if (!keyId || rest.length !== 1) throw new UsageError('name one key id to revoke');
      if (!(await auth.revokeApiKey(keyId))) {
        print(`no live key ${keyId}`);
        return 1;
      }
      print(`revoked ${keyId}`);
      return 0;
    }
    case 'list': {
      for (const k of await auth.listApiKeys())
        print(
          [
            k.keyId,
            k.orgCode,
            k.role,
            k.provinceCode,
            k.siteCode ?? '-',
            k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : 'active',
            k.label,
          ]
            .join('\t')
            .trimEnd(),
        );
      return 0;
    }
    case undefined:
    default:
      throw new UsageError(`unknown api-keys command ${sub ?? ''}`.trim());
  }
};
