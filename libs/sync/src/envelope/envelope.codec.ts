/**
 * Binary codec for the sync wire envelope (proto/vaxledger/sync/v1/envelope.proto).
 *
 * The schema is read from `envelope.descriptor.json`, a protobufjs descriptor generated from
 * the .proto and committed here, so nothing has to find the proto/ folder at run time (in the
 * source tree, under jest, or in dist/). A unit test fails when the two drift; regenerate with
 *
 *   node -e "const p=require('protobufjs');const r=p.loadSync('proto/vaxledger/sync/v1/envelope.proto');r.resolveAll();require('fs').writeFileSync('libs/sync/src/envelope/envelope.descriptor.json',JSON.stringify(r.toJSON(),null,2)+'\n')"
 *
 * Receiving is hostile ground (another province's node, a broken producer, a poisoned topic):
 * `decodeEnvelope` never throws and says why it refuses bytes, so the consumer can park the
 * message and alert instead of crashing or silently dropping it. Sending is our own data:
 * `encodeEnvelope` throws on an invalid envelope, since that is a bug on this node.
 */
import { createHash } from 'node:crypto';
import { Root, type INamespace, type Type } from 'protobufjs/light';
import descriptor from './envelope.descriptor.json';

/** Envelope rules this node reads and writes (rule 4 in the .proto). */
export const ENVELOPE_VERSION = 1;
export const ENVELOPE_TYPE_NAME = 'vaxledger.sync.v1.EventEnvelope';

/** Who appended the event (copied from its metadata). */
export interface WireActor {
  readonly orgCode: string;
  readonly role: string;
  readonly provinceCode: string;
  readonly siteCode?: string;
  readonly staffRef?: string;
}

/** One event as it travels between provinces. Optional fields are absent, never empty. */
export interface WireEnvelope {
  readonly envelopeVersion: number;
  /** Lower-case UUID, the same on every node. */
  readonly eventId: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly streamId: string;
  /** 0-based revision in the stream (as the event store's `revision`). */
  readonly streamRevision: number;
  /** GB/T 2260 code of the owning province (six digits). */
  readonly originProvince: string;
  /** Decimal position in the origin node's global log. */
  readonly originPosition: string;
  /** RFC 3339 with offset, verbatim from the event. */
  readonly recordedAt: string;
  readonly occurredAt: string;
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly actor: WireActor;
  /** UTF-8 JSON object: the event's data. */
  readonly payload: Uint8Array;
  /** UTF-8 JSON object with further metadata, or empty. */
  readonly metadataJson: Uint8Array;
  /** SHA-256 of the canonical content (see `contentHashOf`). */
  readonly contentHash: Uint8Array;
  /** Ed25519 signature of the origin node (libs/sync/src/signing); absent = unsigned. */
  readonly signature?: Uint8Array;
  /** Which of the origin province's keys signed (present exactly when `signature` is). */
  readonly signerKeyId?: string;
}

/** What a writer supplies; the version and the content hash are filled in by `sealEnvelope`, the signature by a signer. */
export type EnvelopeContent = Omit<WireEnvelope, 'envelopeVersion' | 'contentHash' | 'signature' | 'signerKeyId'>;

export type DecodeFailureReason =
  /** Not a protobuf EventEnvelope at all (garbage, truncated, another message type). */
  | 'MALFORMED'
  /** A writer using envelope rules this node does not know: park, upgrade, replay. */
  | 'UNSUPPORTED_ENVELOPE_VERSION'
  /** A well-formed envelope with a missing or invalid field (`field` says which). */
  | 'INVALID_FIELD'
  /** The content does not match its hash: corrupted or tampered with on the way. */
  | 'CONTENT_HASH_MISMATCH';

export type DecodeResult =
  | { readonly ok: true; readonly envelope: WireEnvelope }
  | {
      readonly ok: false;
      readonly reason: DecodeFailureReason;
      readonly detail: string;
      readonly field?: string;
    };

/** Thrown by `encodeEnvelope` and `sealEnvelope` when this node tries to send an invalid envelope. */
export class EnvelopeEncodingError extends Error {
  constructor(
    readonly field: string,
    detail: string,
  ) {
    super(`cannot encode event envelope: ${field} ${detail}`);
    this.name = 'EnvelopeEncodingError';
  }
}

const envelopeType: Type = Root.fromJSON(descriptor as INamespace).lookupType(ENVELOPE_TYPE_NAME);

// ---------------------------------------------------------------------------------------------
// Content hash

const CONTENT_HASH_TAG = 'vaxledger.sync.v1.content';
const CONTENT_HASH_BYTES = 32;
const SIGNATURE_BYTES = 64; // Ed25519
const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * JSON with object keys sorted by UTF-16 code units and no whitespace; strings and numbers as
 * JSON.stringify writes them (RFC 8785 style). Input is what JSON.parse returns.
 */
export const canonicalJson = (value: unknown): string => {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const object = value as Record<string, unknown>;
  const members = Object.keys(object)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson(object[key])}`);
  return `{${members.join(',')}}`;
};

/** Parses a UTF-8 JSON object; throws when the bytes are not one. */
export const parseJsonObject = (bytes: Uint8Array): Record<string, unknown> => {
  const value: unknown = JSON.parse(strictUtf8.decode(bytes));
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error('is not a JSON object');
  }
  return value as Record<string, unknown>;
};

/** A part of a hashed or signed byte string: its 4-byte big-endian length, then its bytes. */
export const lengthPrefixed = (part: Uint8Array): Uint8Array[] => {
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, part.byteLength, false);
  return [length, part];
};

/**
 * SHA-256 over the event's identity-relevant content: type, schema version, stream and the
 * canonical JSON of the payload, each length-prefixed (the recipe is spelled out in the
 * .proto). Throws when the payload is not a UTF-8 JSON object.
 */
export const contentHashOf = (content: {
  readonly type: string;
  readonly schemaVersion: number;
  readonly streamId: string;
  readonly payload: Uint8Array;
}): Uint8Array => {
  const parts = [
    CONTENT_HASH_TAG,
    content.type,
    String(content.schemaVersion),
    content.streamId,
    canonicalJson(parseJsonObject(content.payload)),
  ].flatMap((part) => lengthPrefixed(utf8.encode(part)));
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
};

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.byteLength === b.byteLength && a.every((byte, i) => byte === b[i]);

// ---------------------------------------------------------------------------------------------
// Field rules (one list, applied to what we send and to what we receive)

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const EVENT_TYPE = /^[A-Z][A-Za-z0-9]{0,99}$/;
const PROVINCE_CODE = /^\d{6}$/;
const DECIMAL_POSITION = /^(0|[1-9]\d{0,19})$/;
const NO_SPACE_OR_CONTROL = /^[^\s\p{Cc}]+$/u;
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|([+-])(\d{2}):(\d{2}))$/;

const isRfc3339 = (text: string): boolean => {
  const m = RFC3339.exec(text);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const offsetOk = m[9] === undefined || (Number(m[10]) <= 23 && Number(m[11]) <= 59);
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 60 && // RFC 3339 admits a leap second
    offsetOk
  );
};

type Problem = { readonly field: string; readonly detail: string } | undefined;

const text = (field: string, value: string, max: number, pattern?: RegExp): Problem => {
  if (value.length === 0) return { field, detail: 'is missing' };
  if (value.length > max) return { field, detail: `is longer than ${max} characters` };
  if (pattern && !pattern.test(value)) return { field, detail: `has an invalid format` };
  return undefined;
};

const optionalText = (field: string, value: string | undefined, max: number): Problem =>
  value === undefined ? undefined : text(field, value, max, NO_SPACE_OR_CONTROL);

const wholeNumber = (field: string, value: number, min: number, max: number): Problem =>
  Number.isSafeInteger(value) && value >= min && value <= max ? undefined : { field, detail: `must be an integer from ${min} to ${max}` };

const instant = (field: string, value: string): Problem =>
  value.length === 0
    ? { field, detail: 'is missing' }
    : isRfc3339(value)
      ? undefined
      : { field, detail: 'is not an RFC 3339 date-time with offset' };

const jsonObject = (field: string, value: Uint8Array, allowEmpty: boolean): Problem => {
  if (value.byteLength === 0) return allowEmpty ? undefined : { field, detail: 'is missing' };
  try {
    parseJsonObject(value);
    return undefined;
  } catch {
    return { field, detail: 'is not a UTF-8 JSON object' };
  }
};

/** The first rule the envelope breaks, or undefined (content hash not included). */
const findProblem = (e: WireEnvelope): Problem =>
  wholeNumber('envelope_version', e.envelopeVersion, ENVELOPE_VERSION, ENVELOPE_VERSION) ??
  text('event_id', e.eventId, 36, UUID) ??
  text('type', e.type, 100, EVENT_TYPE) ??
  wholeNumber('schema_version', e.schemaVersion, 1, 0xffff_ffff) ??
  text('stream_id', e.streamId, 200, NO_SPACE_OR_CONTROL) ??
  wholeNumber('stream_revision', e.streamRevision, 0, Number.MAX_SAFE_INTEGER) ??
  text('origin_province', e.originProvince, 6, PROVINCE_CODE) ??
  text('origin_position', e.originPosition, 20, DECIMAL_POSITION) ??
  instant('recorded_at', e.recordedAt) ??
  instant('occurred_at', e.occurredAt) ??
  optionalText('correlation_id', e.correlationId, 128) ??
  optionalText('causation_id', e.causationId, 128) ??
  text('actor.org_code', e.actor.orgCode, 64, NO_SPACE_OR_CONTROL) ??
  text('actor.role', e.actor.role, 32, NO_SPACE_OR_CONTROL) ??
  text('actor.province_code', e.actor.provinceCode, 6, PROVINCE_CODE) ??
  optionalText('actor.site_code', e.actor.siteCode, 64) ??
  optionalText('actor.staff_ref', e.actor.staffRef, 64) ??
  jsonObject('payload', e.payload, false) ??
  jsonObject('metadata_json', e.metadataJson, true) ??
  (e.contentHash.byteLength === CONTENT_HASH_BYTES
    ? undefined
    : { field: 'content_hash', detail: `must be ${CONTENT_HASH_BYTES} bytes (SHA-256)` }) ??
  signatureProblem(e);

/** Signature and key id come together; whether the signature is good is the verifier's question. */
const signatureProblem = (e: WireEnvelope): Problem => {
  if (e.signature === undefined && e.signerKeyId === undefined) return undefined;
  if (e.signature === undefined) return { field: 'signature', detail: 'is missing although signer_key_id is given' };
  if (e.signature.byteLength !== SIGNATURE_BYTES) return { field: 'signature', detail: `must be ${SIGNATURE_BYTES} bytes (Ed25519)` };
  if (e.signerKeyId === undefined) return { field: 'signer_key_id', detail: 'is missing although a signature is given' };
  return text('signer_key_id', e.signerKeyId, 64, NO_SPACE_OR_CONTROL);
};

const hashMatches = (e: WireEnvelope): boolean => sameBytes(e.contentHash, contentHashOf(e));

// ---------------------------------------------------------------------------------------------
// Encode

/** Completes an envelope: current envelope version and the content hash. Throws if invalid. */
export const sealEnvelope = (content: EnvelopeContent): WireEnvelope => {
  const payloadProblem = jsonObject('payload', content.payload, false);
  if (payloadProblem) throw new EnvelopeEncodingError(payloadProblem.field, payloadProblem.detail);
  const sealed = { ...content, envelopeVersion: ENVELOPE_VERSION, contentHash: contentHashOf(content) };
  const problem = findProblem(sealed);
  if (problem) throw new EnvelopeEncodingError(problem.field, problem.detail);
  return sealed;
};

/** Protobuf bytes of a sealed envelope (a Buffer, ready for a Kafka message value). */
export const encodeEnvelope = (envelope: WireEnvelope): Buffer => {
  const problem = findProblem(envelope);
  if (problem) throw new EnvelopeEncodingError(problem.field, problem.detail);
  if (!hashMatches(envelope)) {
    throw new EnvelopeEncodingError('content_hash', 'does not match the content (seal it first)');
  }
  const { actor } = envelope;
  const message = envelopeType.fromObject({
    envelopeVersion: envelope.envelopeVersion,
    eventId: envelope.eventId,
    type: envelope.type,
    schemaVersion: envelope.schemaVersion,
    streamId: envelope.streamId,
    streamRevision: envelope.streamRevision,
    originProvince: envelope.originProvince,
    originPosition: envelope.originPosition,
    recordedAt: envelope.recordedAt,
    occurredAt: envelope.occurredAt,
    correlationId: envelope.correlationId ?? '',
    causationId: envelope.causationId ?? '',
    actor: {
      orgCode: actor.orgCode,
      role: actor.role,
      provinceCode: actor.provinceCode,
      siteCode: actor.siteCode ?? '',
      staffRef: actor.staffRef ?? '',
    },
    payload: envelope.payload,
    metadataJson: envelope.metadataJson,
    contentHash: envelope.contentHash,
    // Unsigned envelopes leave both out, so their bytes are what a v1 writer without signing wrote.
    ...(envelope.signature === undefined ? {} : { signature: envelope.signature }),
    ...(envelope.signerKeyId === undefined ? {} : { signerKeyId: envelope.signerKeyId }),
  });
  const bytes = envelopeType.encode(message).finish();
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
};

// ---------------------------------------------------------------------------------------------
// Decode

const fail = (reason: DecodeFailureReason, detail: string, field?: string): DecodeResult =>
  field === undefined ? { ok: false, reason, detail } : { ok: false, reason, detail, field };

const asRecord = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
const asString = (value: unknown): string => (typeof value === 'string' ? value : '');
const asNumber = (value: unknown): number =>
  typeof value === 'number' ? value : typeof value === 'string' && value !== '' ? Number(value) : 0;
// A copy, so the envelope does not pin (or alias) the consumer's whole fetch buffer.
const asBytes = (value: unknown): Uint8Array => (value instanceof Uint8Array ? new Uint8Array(value) : new Uint8Array(0));
const optional = (value: unknown): string | undefined => {
  const s = asString(value);
  return s === '' ? undefined : s;
};

const fromMessage = (raw: Record<string, unknown>): WireEnvelope => {
  const actor = asRecord(raw.actor);
  const siteCode = optional(actor.siteCode);
  const staffRef = optional(actor.staffRef);
  const correlationId = optional(raw.correlationId);
  const causationId = optional(raw.causationId);
  const signature = asBytes(raw.signature);
  const signerKeyId = optional(raw.signerKeyId);
  return {
    envelopeVersion: asNumber(raw.envelopeVersion),
    eventId: asString(raw.eventId),
    type: asString(raw.type),
    schemaVersion: asNumber(raw.schemaVersion),
    streamId: asString(raw.streamId),
    streamRevision: asNumber(raw.streamRevision),
    originProvince: asString(raw.originProvince),
    originPosition: asString(raw.originPosition),
    recordedAt: asString(raw.recordedAt),
    occurredAt: asString(raw.occurredAt),
    ...(correlationId === undefined ? {} : { correlationId }),
    ...(causationId === undefined ? {} : { causationId }),
    actor: {
      orgCode: asString(actor.orgCode),
      role: asString(actor.role),
      provinceCode: asString(actor.provinceCode),
      ...(siteCode === undefined ? {} : { siteCode }),
      ...(staffRef === undefined ? {} : { staffRef }),
    },
    payload: asBytes(raw.payload),
    metadataJson: asBytes(raw.metadataJson),
    contentHash: asBytes(raw.contentHash),
    ...(signature.byteLength === 0 ? {} : { signature }),
    ...(signerKeyId === undefined ? {} : { signerKeyId }),
  };
};

/** Decodes and checks received bytes. Never throws: a refusal carries its reason. */
export const decodeEnvelope = (bytes: Uint8Array): DecodeResult => {
  try {
    if (!(bytes instanceof Uint8Array)) return fail('MALFORMED', 'not a byte array');
    let raw: Record<string, unknown>;
    try {
      // uint64 as a decimal string, so a revision beyond 2^53 is caught, not rounded.
      raw = envelopeType.toObject(envelopeType.decode(bytes), { longs: String });
    } catch (error) {
      return fail('MALFORMED', `not a protobuf EventEnvelope (${(error as Error).message})`);
    }
    const envelope = fromMessage(raw);
    if (envelope.envelopeVersion === 0) {
      return fail('MALFORMED', 'envelope_version is missing: not an event envelope');
    }
    if (envelope.envelopeVersion !== ENVELOPE_VERSION) {
      return fail(
        'UNSUPPORTED_ENVELOPE_VERSION',
        `envelope_version ${envelope.envelopeVersion}; this node reads ${ENVELOPE_VERSION}`,
        'envelope_version',
      );
    }
    const problem = findProblem(envelope);
    if (problem) return fail('INVALID_FIELD', `${problem.field} ${problem.detail}`, problem.field);
    if (!hashMatches(envelope)) {
      return fail('CONTENT_HASH_MISMATCH', 'content_hash does not match type, schema_version, stream_id and payload', 'content_hash');
    }
    return { ok: true, envelope };
  } catch (error) {
    // Anything unforeseen (a payload nested deeply enough to exhaust the stack, say) is still
    // a refusal of the bytes, never a crash of the consumer.
    return fail('MALFORMED', `could not be read (${(error as Error).message})`);
  }
};
