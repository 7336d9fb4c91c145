import { createHmac } from 'node:crypto';

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** RFC 4648 base32, lower case, no padding. */
export const base32Lower = (bytes: Uint8Array): string => {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32[(buffer << (5 - bits)) & 31];
  return out;
};

/**
 * The federation-wide person pseudonym (DOMAIN.md §5): "p1" + base32 of the first 16 bytes
 * of HMAC-SHA-256(secret, "v1|{code}|{issuer}|{number}"). Every province derives the same
 * id from the same document, and nobody without the secret can go back to the number.
 */
export const personPseudonym = (secret: string, pseudonymInput: string): string => {
  if (!pseudonymInput.startsWith('v1|')) throw new Error('pseudonym input must be a v1 identifier string');
  const mac = createHmac('sha256', secret).update(pseudonymInput, 'utf8').digest();
  return `p1${base32Lower(mac.subarray(0, 16))}`;
};

export const PERSON_ID_PATTERN = /^p1[a-z2-7]{26}$/;
