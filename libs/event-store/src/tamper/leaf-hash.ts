import { createHash } from 'node:crypto';
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
 * Nothing computes it at append (docs/adr/0023-log-leaves-after-commit.md): the checkpointer
 * computes it with `leafHashOf` from each committed event it reads, and `log verify`, `store
 * import` and receivers recompute it the same way from a stored or received event.
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

/** Only ASCII: its UTF-16 length is its UTF-8 length and its code-unit order its byte order. */
const ASCII = /^[\x00-\x7f]*$/;

/** jsonb's key order: shorter (in UTF-8 bytes) first, then bytewise. */
const jsonbKeyOrder = (a: string, b: string): number => {
  if (ASCII.test(a) && ASCII.test(b)) return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
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
  // Plain concatenation: this runs for every value of every event the checkpointer signs.
  if (Array.isArray(value)) {
    let text = '[';
    for (let i = 0; i < value.length; i++) text += (i === 0 ? '' : ', ') + (render(value[i]) ?? 'null');
    return `${text}]`;
  }
  const object = value as Record<string, unknown>;
  let text = '{';
  for (const key of Object.keys(object).sort(jsonbKeyOrder)) {
    const item = render(object[key]);
    if (item !== undefined) text += `${text.length === 1 ? '' : ', '}${JSON.stringify(key)}: ${item}`;
  }
  return `${text}}`;
};

/**
 * The canonical text of a JSON value: what PostgreSQL prints for it as jsonb (`value::jsonb::text`)
 * after JSON.stringify wrote it. jsonb's output is canonical (keys sorted shortest first, one
 * space after `:` and `,`, numbers without exponents); the text does not depend on the store an
 * event was read from, nor on whether it was read back at all (the event-store contract checks
 * that an event read back hashes like the one appended).
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

/** int32 big-endian length, then the bytes. */
export const part = (bytes: Buffer): Buffer => {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
};

/**
 * `part(text₁) ‖ part(text₂) ‖ …` in one buffer with room for `extra` more bytes after them: a
 * hash is then fed once (each update crosses into native code, which costs more than copying).
 */
const partsOf = (texts: readonly string[], extra = 0): { bytes: Buffer; end: number } => {
  const lengths = texts.map((text) => Buffer.byteLength(text, 'utf8'));
  const bytes = Buffer.allocUnsafe(lengths.reduce((sum, n) => sum + 4 + n, extra));
  let end = 0;
  texts.forEach((text, i) => {
    end = bytes.writeUInt32BE(lengths[i]!, end);
    end += bytes.write(text, end, 'utf8');
  });
  return { bytes, end };
};

/**
 * SHA-256 of the event's data, given as its canonical text (what `canonicalJson` renders, or
 * what PostgreSQL prints for the stored jsonb), and its hashed metadata.
 */
export const contentDigestOfText = (dataText: string, metadata: EventMetadata): Buffer =>
  createHash('sha256')
    .update(partsOf([dataText, canonicalJson(hashedMetadataOf(metadata))]).bytes)
    .digest();

/** SHA-256 of the event's data and hashed metadata. */
export const contentDigestOf = (data: unknown, metadata: EventMetadata): Buffer => contentDigestOfText(canonicalJson(data), metadata);

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
  // part(tag) ‖ part(id) ‖ part(stream) ‖ int64 revision ‖ part(type) ‖ int32 version ‖ content
  const head = partsOf([LEAF_TAG, e.eventId.toLowerCase(), e.streamId], 8);
  head.bytes.writeBigInt64BE(BigInt(e.revision), head.end);
  const tail = partsOf([e.type], 4 + content.length);
  content.copy(tail.bytes, tail.bytes.writeInt32BE(e.schemaVersion, tail.end));
  return createHash('sha256').update(head.bytes).update(tail.bytes).digest('hex');
};

/** The leaf hash of an event, recomputed from its content (hex). */
export const leafHashOf = (e: LeafFields): string => leafOfDigest(e, contentDigestOf(e.data, e.metadata));
