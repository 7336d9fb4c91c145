import { createHash, type Hash } from 'node:crypto';
import type { EventMetadata } from '../event-store.port';

/**
 * The leaf hash of one event (docs/adr/0019-tamper-evident-log.md): SHA-256 over a canonical,
 * length-prefixed encoding of what the event says, so any later change to a stored event shows.
 *
 *   leaf    = SHA-256( part(LEAF_TAG) ‖ part(event id) ‖ part(stream id) ‖ int64(revision)
 *                      ‖ part(type) ‖ int32(schema version) ‖ content )
 *   content = SHA-256( part(jsonb text of data) ‖ part(jsonb text of hashed metadata) )
 *   part(s) = int32 big-endian byte length of UTF-8 s ‖ UTF-8 s
 *
 * PostgreSQL computes all of it inside the append, from the rows it inserts (jsonb renders the
 * canonical text in C, and only there is the revision of an `expected: 'any'` append known);
 * the adapter only sends the hashed metadata alongside. `leafHashOf` recomputes the same from
 * a stored or received event, without a database.
 */
export const LEAF_TAG = 'vaxledger.log.v1.leaf';

/**
 * Metadata a copy in another province holds in another form, left out of the hash: the
 * origin's bookkeeping the importer adds (`originPosition`, `originRecordedAt`) and the origin
 * itself (the checkpoint that lists the leaf names it). They are still covered by the
 * envelope's signature in transit. `occurredAt` is hashed, except on a copy whose origin left it
 * out: the wire then fills in the origin's recording time, which the copy also keeps as
 * `originRecordedAt`, so an `occurredAt` equal to it is the stand-in, not the origin's value.
 */
const TRANSPORT_KEYS: ReadonlySet<string> = new Set(['originProvince', 'originPosition', 'originRecordedAt']);

/** A number as PostgreSQL's numeric prints it after JSON.stringify wrote it (never an exponent). */
const numberText = (n: number): string => {
  if (!Number.isFinite(n)) return 'null';
  const text = String(n);
  const e = text.indexOf('e');
  if (e < 0) return text;
  const negative = text.startsWith('-');
  const mantissa = text.slice(negative ? 1 : 0, e);
  const [whole = '', fraction = ''] = mantissa.split('.');
  const digits = whole + fraction;
  const point = whole.length + Number(text.slice(e + 1));
  const plain =
    point <= 0
      ? `0.${'0'.repeat(-point)}${digits}`
      : point >= digits.length
        ? digits + '0'.repeat(point - digits.length)
        : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return (negative ? '-' : '') + plain;
};

/** jsonb's key order: shorter (in UTF-8 bytes) first, then bytewise. */
const jsonbKeyOrder = (a: string, b: string): number => {
  const byLength = Buffer.byteLength(a, 'utf8') - Buffer.byteLength(b, 'utf8');
  if (byLength !== 0 || a === b) return byLength;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
};

const render = (value: unknown): string | undefined => {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return numberText(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      break;
    // Left out, as JSON.stringify leaves them out (a bigint throws there, as on append).
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'bigint':
      return JSON.stringify(value);
  }
  if (value === null) return 'null';
  const withJson = value as { toJSON?: () => unknown };
  if (typeof withJson.toJSON === 'function') return render(withJson.toJSON());
  if (Array.isArray(value)) return `[${value.map((item) => render(item) ?? 'null').join(', ')}]`;
  const object = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of Object.keys(object).sort(jsonbKeyOrder)) {
    const text = render(object[key]);
    if (text !== undefined) parts.push(`${JSON.stringify(key)}: ${text}`);
  }
  return `{${parts.join(', ')}}`;
};

/**
 * The canonical text of a JSON value: what PostgreSQL prints for it as jsonb (`value::jsonb::text`)
 * after JSON.stringify wrote it. jsonb's output is canonical (keys sorted shortest first, one
 * space after `:` and `,`, numbers without exponents), so the database computes the leaf
 * in C during the append and this function gives the same text wherever there is no database
 * (a receiver's check, the memory and KurrentDB adapters, the verifier).
 */
export const canonicalJson = (value: unknown): string => render(value ?? null) ?? 'null';

/** The actor as the sync envelope carries it; the envelope's stand-in for "no actor" counts as none. */
const actorView = (actor: unknown): Record<string, unknown> | undefined => {
  if (actor === null || typeof actor !== 'object') return undefined;
  const a = actor as Record<string, unknown>;
  if (a.orgCode === 'unknown' && a.role === 'unknown') return undefined;
  const view: Record<string, unknown> = { orgCode: a.orgCode ?? '', role: a.role ?? '', provinceCode: a.provinceCode ?? '' };
  if (a.siteCode) view.siteCode = a.siteCode;
  if (a.staffRef) view.staffRef = a.staffRef;
  return view;
};

/** The part of an event's metadata the leaf covers: the same at the origin and on every copy. */
export const hashedMetadataOf = (metadata: EventMetadata): Record<string, unknown> => {
  const view: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (TRANSPORT_KEYS.has(key) || value === undefined) continue;
    if ((key === 'correlationId' || key === 'causationId') && !value) continue;
    if (key === 'occurredAt' && metadata.originRecordedAt !== undefined && value === metadata.originRecordedAt) continue;
    if (key === 'actor') {
      const actor = actorView(value);
      if (actor) view.actor = actor;
      continue;
    }
    view[key] = value;
  }
  return view;
};

const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');

/** int32 big-endian length, then the bytes. */
export const part = (bytes: Buffer): Buffer => {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
};

/** Feeds `part(text)` to a hash without building the buffer. */
const updatePart = (hash: Hash, text: string): void => {
  const length = Buffer.allocUnsafe(4);
  length.writeUInt32BE(Buffer.byteLength(text, 'utf8'));
  hash.update(length);
  hash.update(text, 'utf8');
};

/** SHA-256 of the event's data and hashed metadata. */
export const contentDigestOf = (data: unknown, metadata: EventMetadata): Buffer => {
  const hash = createHash('sha256');
  updatePart(hash, canonicalJson(data));
  updatePart(hash, canonicalJson(hashedMetadataOf(metadata)));
  return hash.digest();
};

export interface LeafFields {
  readonly eventId: string;
  readonly streamId: string;
  readonly revision: number;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: unknown;
  readonly metadata: EventMetadata;
}

/** The outer hash, from the content digest and the fields the store assigns or keeps as columns. */
export const leafOfDigest = (e: Omit<LeafFields, 'data' | 'metadata'>, content: Buffer): string => {
  const revision = Buffer.alloc(8);
  revision.writeBigInt64BE(BigInt(e.revision));
  const version = Buffer.alloc(4);
  version.writeInt32BE(e.schemaVersion);
  return createHash('sha256')
    .update(part(utf8(LEAF_TAG)))
    .update(part(utf8(e.eventId.toLowerCase())))
    .update(part(utf8(e.streamId)))
    .update(revision)
    .update(part(utf8(e.type)))
    .update(version)
    .update(content)
    .digest('hex');
};

/** The leaf hash of an event, recomputed from its content (hex). */
export const leafHashOf = (e: LeafFields): string => leafOfDigest(e, contentDigestOf(e.data, e.metadata));
