import { createPublicKey, type KeyObject } from 'node:crypto';
import { PROVINCE } from './province-code';

export class TrustListError extends Error {}

/**
 * The trust list the hub distributes: a JSON object mapping each province code to the public
 * keys that may sign its events (SPKI PEM, or base64 of the SPKI DER). Several keys per
 * province allow a key to be rotated without a gap.
 */
export const parseTrustList = (json: string): Record<string, KeyObject[]> => {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new TrustListError('is not valid JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new TrustListError('must be a JSON object mapping province codes to lists of public keys');
  const list: Record<string, KeyObject[]> = {};
  for (const [province, keys] of Object.entries(value as Record<string, unknown>)) {
    if (!PROVINCE.test(province)) throw new TrustListError(`names ${province.slice(0, 12)}, which is not a province code`);
    if (!Array.isArray(keys) || keys.length === 0 || !keys.every((k) => typeof k === 'string'))
      throw new TrustListError(`must list at least one public key (a string) for ${province}`);
    list[province] = (keys as string[]).map((k, i) => {
      let key: KeyObject;
      try {
        key = k.includes('-----BEGIN')
          ? createPublicKey(k)
          : createPublicKey({ key: Buffer.from(k, 'base64'), format: 'der', type: 'spki' });
      } catch {
        throw new TrustListError(`key ${i + 1} of ${province} is not a public key (SPKI PEM or base64 DER)`);
      }
      if (key.asymmetricKeyType !== 'ed25519') throw new TrustListError(`key ${i + 1} of ${province} is not an Ed25519 key`);
      return key;
    });
  }
  return list;
};
