import { generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Settings for nodes run as separate processes the way production runs them (not the
 * embedded default): one Ed25519 signing key per province, the trust list the hub would
 * distribute, and the shared secrets. Keys are written to a temporary folder and passed by
 * path, as an operator would mount them.
 */
export interface Federation {
  /** Signing key, trust list and secrets for one province's node. */
  envFor(province: string): Record<string, string>;
  /** Public keys by province, as a node's TrustList takes them. */
  trustList(): Record<string, KeyObject[]>;
  /** The province's private signing key, for a relay run inside the test process. */
  signingKey(province: string): KeyObject;
}

export const testFederation = (provinces: readonly string[]): Federation => {
  const dir = mkdtempSync(join(tmpdir(), 'vx-federation-'));
  const trust: Record<string, string[]> = {};
  const keyFiles = new Map<string, string>();
  const keys = new Map<string, KeyObject>();
  const publicKeys: Record<string, KeyObject[]> = {};
  for (const province of provinces) {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const file = join(dir, `${province}.key.pem`);
    writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 });
    keyFiles.set(province, file);
    keys.set(province, privateKey);
    publicKeys[province] = [publicKey];
    trust[province] = [publicKey.export({ type: 'spki', format: 'pem' }).toString()];
  }
  const trustFile = join(dir, 'trust-list.json');
  writeFileSync(trustFile, JSON.stringify(trust));
  const vaultKey = randomBytes(32).toString('base64');
  return {
    trustList: () => ({ ...publicKeys }),
    signingKey: (province) => {
      const key = keys.get(province);
      if (!key) throw new Error(`province ${province} is not in this test federation`);
      return key;
    },
    envFor: (province) => {
      const key = keyFiles.get(province);
      if (!key) throw new Error(`province ${province} is not in this test federation`);
      return {
        SYNC_SIGNING_KEY: key,
        SYNC_TRUST_LIST: trustFile,
        PSEUDONYM_SECRET: 'vaxledger-test-pepper-do-not-use',
        VAULT_MASTER_KEY: vaultKey,
      };
    },
  };
};
