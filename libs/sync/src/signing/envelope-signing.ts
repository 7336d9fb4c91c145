/**
 * Signed sync: each province's node signs the envelopes it publishes with its Ed25519 key, and
 * receivers check them against the trust list the hub distributes (province → public keys).
 *
 * What is signed is a canonical byte string built from the decoded fields (recipe in
 * proto/vaxledger/sync/v1/envelope.proto), not the protobuf bytes: protobuf encodings are not
 * unique (field order, unknown fields), so a hub that re-encodes an envelope would break a
 * signature over bytes. The payload is covered through content_hash, which the decoder checks
 * against the payload before a signature is looked at.
 */
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { type CheckpointBody, checkpointSignedBytes, type LogCheckpoint } from '@vaxledger/event-store';
import { canonicalJson, lengthPrefixed, parseJsonObject, type WireEnvelope } from '../envelope/envelope.codec';

const SIGNATURE_TAG = 'vaxledger.sync.v1.signature.ed25519';
const utf8 = new TextEncoder();

/** Why a receiver refuses an envelope's signature (the dead-letter reason). */
export type SignatureFailureReason =
  /** No signature, from a receiver that requires them. */
  | 'UNSIGNED'
  /** Signed by a key the trust list does not hold for any province. */
  | 'UNTRUSTED_SIGNER'
  /** Signed by a trusted key of a province that may not write for the envelope's origin. */
  | 'SIGNER_NOT_OWNER'
  /** The signature does not match the envelope: altered on the way, or a forgery. */
  | 'BAD_SIGNATURE';

export type SignatureVerdict =
  { readonly ok: true; readonly keyId: string } | { readonly ok: false; readonly reason: SignatureFailureReason; readonly detail: string };

/** Refused key material (a wrong key type, a bad trust list). */
export class SigningKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SigningKeyError';
  }
}

const requireEd25519 = (key: KeyObject, what: string): void => {
  if (key.asymmetricKeyType !== 'ed25519')
    throw new SigningKeyError(`${what} must be an Ed25519 key, not ${key.asymmetricKeyType ?? key.type}`);
};

/** First 16 hex digits of SHA-256 over the raw 32-byte Ed25519 public key. */
export const keyIdOf = (publicKey: KeyObject): string => {
  requireEd25519(publicKey, 'the public key');
  const der = publicKey.export({ type: 'spki', format: 'der' });
  const raw = der.subarray(der.length - 32); // SPKI of Ed25519 ends with the 32-byte key
  return createHash('sha256').update(raw).digest('hex').slice(0, 16);
};

/** The bytes a signature covers (recipe in the .proto): every field but payload, plus content_hash. */
export const signedBytesOf = (envelope: WireEnvelope, keyId: string): Buffer => {
  const { actor } = envelope;
  const metadata = envelope.metadataJson.byteLength === 0 ? '' : canonicalJson(parseJsonObject(envelope.metadataJson));
  const texts = [
    SIGNATURE_TAG,
    keyId,
    String(envelope.envelopeVersion),
    envelope.eventId,
    envelope.type,
    String(envelope.schemaVersion),
    envelope.streamId,
    String(envelope.streamRevision),
    envelope.originProvince,
    envelope.originPosition,
    envelope.recordedAt,
    envelope.occurredAt,
    envelope.correlationId ?? '',
    envelope.causationId ?? '',
    actor.orgCode,
    actor.role,
    actor.provinceCode,
    actor.siteCode ?? '',
    actor.staffRef ?? '',
  ].map((part) => utf8.encode(part));
  const parts = [...texts, envelope.contentHash, utf8.encode(metadata)].flatMap(lengthPrefixed);
  return Buffer.concat(parts);
};

/** This node's signing key: signs what the relay publishes. */
export class EnvelopeSigner {
  readonly keyId: string;
  readonly publicKey: KeyObject;

  constructor(private readonly privateKey: KeyObject) {
    if (privateKey.type !== 'private') throw new SigningKeyError('the signing key must be a private key');
    requireEd25519(privateKey, 'the signing key');
    this.publicKey = createPublicKey(privateKey);
    this.keyId = keyIdOf(this.publicKey);
  }

  /** Signs a log checkpoint (ADR 0019) with the same key: its key id and base64 signature. */
  signCheckpoint(body: CheckpointBody): { keyId: string; signature: string } {
    return { keyId: this.keyId, signature: sign(null, checkpointSignedBytes(body, this.keyId), this.privateKey).toString('base64') };
  }

  /** The same envelope with this node's signature and key id (a sealed envelope in, a signed one out). */
  sign(envelope: WireEnvelope): WireEnvelope {
    const { signature: _signature, signerKeyId: _signerKeyId, ...unsigned } = envelope;
    const signature = new Uint8Array(sign(null, signedBytesOf(unsigned, this.keyId), this.privateKey));
    return { ...unsigned, signature, signerKeyId: this.keyId };
  }
}

interface TrustedKey {
  readonly key: KeyObject;
  /** Provinces this key may sign for (its own; a hub hosting a direct-mode province also signs for it). */
  readonly provinces: ReadonlySet<string>;
}

/**
 * The federation's trust list: for each province, the public keys that may sign its events.
 * More than one key per province lets a node roll its key over: the new key is listed beside
 * the old one, the node switches, and the old key is removed once nothing signed with it is
 * still to be read.
 */
export class TrustList {
  private readonly byKeyId: ReadonlyMap<string, TrustedKey>;

  constructor(keysByProvince: Readonly<Record<string, readonly KeyObject[]>>) {
    const byKeyId = new Map<string, { key: KeyObject; provinces: Set<string> }>();
    for (const [province, keys] of Object.entries(keysByProvince)) {
      if (!/^\d{6}$/.test(province)) throw new SigningKeyError(`trust list: ${province} is not a province code`);
      for (const key of keys) {
        if (key.type !== 'public') throw new SigningKeyError(`trust list: a key of ${province} is not a public key`);
        const keyId = keyIdOf(key);
        const entry = byKeyId.get(keyId) ?? { key, provinces: new Set<string>() };
        entry.provinces.add(province);
        byKeyId.set(keyId, entry);
      }
    }
    this.byKeyId = byKeyId;
  }

  /** Key ids the list holds for a province. */
  keyIdsOf(province: string): string[] {
    return [...this.byKeyId].filter(([, trusted]) => trusted.provinces.has(province)).map(([keyId]) => keyId);
  }

  /** Accepts a log checkpoint signed by a key listed for its origin (ADR 0019). */
  checkCheckpoint(checkpoint: LogCheckpoint): { ok: true } | { ok: false; detail: string } {
    const trusted = this.byKeyId.get(checkpoint.keyId);
    if (!trusted)
      return {
        ok: false,
        detail: `signed by key ${checkpoint.keyId}, which is neither this node's own sync key nor in its trust list (SYNC_TRUST_LIST)`,
      };
    if (!trusted.provinces.has(checkpoint.origin))
      return { ok: false, detail: `signed by key ${checkpoint.keyId}, which may not sign for ${checkpoint.origin}` };
    let good = false;
    try {
      good = verify(null, checkpointSignedBytes(checkpoint, checkpoint.keyId), trusted.key, Buffer.from(checkpoint.signature, 'base64'));
    } catch {
      good = false;
    }
    return good ? { ok: true } : { ok: false, detail: `the signature of key ${checkpoint.keyId} does not match the checkpoint` };
  }

  /**
   * Accepts an envelope signed by a key listed for its origin province, over its current
   * content. The caller still checks that the origin owns the stream (the inbox does).
   */
  verify(envelope: WireEnvelope): SignatureVerdict {
    const { signature, signerKeyId } = envelope;
    if (signature === undefined || signerKeyId === undefined)
      return { ok: false, reason: 'UNSIGNED', detail: 'the envelope carries no signature' };
    const trusted = this.byKeyId.get(signerKeyId);
    if (!trusted) return { ok: false, reason: 'UNTRUSTED_SIGNER', detail: `key ${signerKeyId} is not on the trust list` };
    if (!trusted.provinces.has(envelope.originProvince))
      return {
        ok: false,
        reason: 'SIGNER_NOT_OWNER',
        detail: `key ${signerKeyId} signs for ${[...trusted.provinces].join(', ')}, not for origin ${envelope.originProvince}`,
      };
    let good = false;
    try {
      good = verify(null, signedBytesOf(envelope, signerKeyId), trusted.key, signature);
    } catch {
      good = false;
    }
    return good
      ? { ok: true, keyId: signerKeyId }
      : { ok: false, reason: 'BAD_SIGNATURE', detail: `the signature of key ${signerKeyId} does not match the envelope` };
  }
}
