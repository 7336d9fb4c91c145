import { createHash } from 'node:crypto';

// Namespace for event ids derived from idempotency keys (a fixed random UUID of ours).
export const IDEMPOTENCY_NAMESPACE = '6f1d3c2e-8a4b-4f7e-9c1d-2b3a4c5d6e7f';

/** RFC 4122 name-based UUID (SHA-1): the same name always gives the same id. */
export const uuidV5 = (name: string, namespace = IDEMPOTENCY_NAMESPACE): string => {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
};

/**
 * Id of the `index`-th event a keyed command appends: a retry derives the same ids, so the log
 * recognises the events it already holds. Logs keep these ids: the formula must never change.
 */
export const keyedEventId = (orgCode: string, idempotencyKey: string, index: number): string =>
  uuidV5(`${orgCode}|${idempotencyKey}|${index}`);
