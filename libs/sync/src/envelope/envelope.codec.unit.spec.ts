import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { loadSync, Field, Root, Type, type INamespace } from 'protobufjs';
import descriptor from './envelope.descriptor.json';
import {
  ENVELOPE_TYPE_NAME,
  EnvelopeEncodingError,
  contentHashOf,
  decodeEnvelope,
  encodeEnvelope,
  sealEnvelope,
  type DecodeResult,
  type EnvelopeContent,
  type WireEnvelope,
} from './envelope.codec';

const REPO_ROOT = path.resolve(__dirname, '../../../..');
const PROTO_FILE = path.join(REPO_ROOT, 'proto/vaxledger/sync/v1/envelope.proto');
const FIXTURE_V1 = path.join(REPO_ROOT, 'test/fixtures/envelopes/envelope.v1.bin');

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const json = (value: unknown): Uint8Array => utf8(JSON.stringify(value));
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** The envelope a decode accepted; fails the test with the refusal otherwise. */
const accepted = (result: DecodeResult): WireEnvelope => {
  if (!result.ok) throw new Error(`refused: ${result.reason}: ${result.detail}`);
  return result.envelope;
};

/** Writes any field values, valid or not, straight through protobufjs (a foreign writer). */
const envelopeTypeOf = (root: Root): Type => root.lookupType(ENVELOPE_TYPE_NAME);
const v1Type = envelopeTypeOf(Root.fromJSON(descriptor as INamespace));
const encodeRaw = (fields: Record<string, unknown>, type: Type = v1Type): Uint8Array => type.encode(type.fromObject(fields)).finish();
const rawFieldsOf = (e: WireEnvelope): Record<string, unknown> => ({
  ...e,
  correlationId: e.correlationId ?? '',
  causationId: e.causationId ?? '',
  actor: { ...e.actor },
});

const aDose = (overrides: Partial<EnvelopeContent> = {}): EnvelopeContent => ({
  eventId: '9b2f6c1e-4d3a-4f5b-8c7d-1e2f3a4b5c6d',
  type: 'DoseAdministered',
  schemaVersion: 2,
  streamId: 'person-440000-p1abcdefghijklmnopqrstuvwxyz',
  streamRevision: 0,
  originProvince: '440000',
  originPosition: '42',
  recordedAt: '2025-01-02T10:00:00.000+08:00',
  occurredAt: '2025-01-02T09:55:00+08:00',
  actor: { orgCode: '12440000MB2C92345X', role: 'clinic', provinceCode: '440000' },
  payload: json({ vaccineType: 'MMR', doseNumber: 1 }),
  metadataJson: new Uint8Array(0),
  ...overrides,
});

// ---------------------------------------------------------------------------------------------
// Arbitraries: envelopes as a writer on any node could produce them

const noSpaceText = (maxCodePoints: number): fc.Arbitrary<string> =>
  fc.string({ unit: 'binary', minLength: 1, maxLength: maxCodePoints }).filter((s) => /^[^\s\p{Cc}]+$/u.test(s));

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

const rfc3339 = fc
  .record({
    epochMs: fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(2199, 11, 31) }),
    offsetMinutes: fc.integer({ min: -12 * 60, max: 14 * 60 }),
    fractionDigits: fc.constantFrom(0, 3, 6, 9),
    zulu: fc.boolean(),
  })
  .map(({ epochMs, offsetMinutes, fractionDigits, zulu }) => {
    const offset = zulu ? 0 : offsetMinutes;
    const local = new Date(epochMs + offset * 60_000);
    const fraction = fractionDigits === 0 ? '' : `.${pad(local.getUTCMilliseconds(), 3).padEnd(fractionDigits, '0')}`;
    const sign = offset < 0 ? '-' : '+';
    const zone = zulu ? 'Z' : `${sign}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
    return (
      `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}` +
      `T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}` +
      `${fraction}${zone}`
    );
  });

const jsonObjectBytes = fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 8 }).map(json);
const provinceCode = fc.stringMatching(/^\d{6}$/);

const envelopeContent: fc.Arbitrary<EnvelopeContent> = fc.record(
  {
    eventId: fc.uuid(),
    type: fc.stringMatching(/^[A-Z][A-Za-z0-9]{0,40}$/),
    schemaVersion: fc.integer({ min: 1, max: 0xffff_ffff }),
    streamId: noSpaceText(80),
    streamRevision: fc.maxSafeNat(),
    originProvince: provinceCode,
    originPosition: fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }).map(String),
    recordedAt: rfc3339,
    occurredAt: rfc3339,
    correlationId: noSpaceText(60),
    causationId: noSpaceText(60),
    actor: fc.record(
      {
        orgCode: noSpaceText(30),
        role: fc.constantFrom('manufacturer', 'cdc', 'clinic', 'regulator', 'hub'),
        provinceCode,
        siteCode: noSpaceText(30),
        staffRef: noSpaceText(30),
      },
      { requiredKeys: ['orgCode', 'role', 'provinceCode'] },
    ),
    payload: jsonObjectBytes,
    metadataJson: fc.oneof(fc.constant(new Uint8Array(0)), jsonObjectBytes),
  },
  {
    requiredKeys: [
      'eventId',
      'type',
      'schemaVersion',
      'streamId',
      'streamRevision',
      'originProvince',
      'originPosition',
      'recordedAt',
      'occurredAt',
      'actor',
      'payload',
      'metadataJson',
    ],
  },
);

// ---------------------------------------------------------------------------------------------

describe('the committed descriptor', () => {
  it('is what protobufjs makes of proto/vaxledger/sync/v1/envelope.proto', () => {
    const fromProto = loadSync(PROTO_FILE);
    fromProto.resolveAll();
    const regenerate = 'the .proto changed: regenerate envelope.descriptor.json with the command at the top of envelope.codec.ts';

    expect({ drift: fromProto.toJSON(), hint: regenerate }).toEqual({
      drift: descriptor,
      hint: regenerate,
    });
  });
});

describe('an envelope sealed and encoded on this node', () => {
  it('decodes to exactly what was sent, for any valid content', () => {
    fc.assert(
      fc.property(envelopeContent, (content) => {
        const sent = sealEnvelope(content);
        const received = decodeEnvelope(encodeEnvelope(sent));

        expect(received).toEqual({ ok: true, envelope: sent });
      }),
    );
  });

  it('carries version 1 and a 32-byte content hash', () => {
    const sealed = sealEnvelope(aDose());

    expect(sealed.envelopeVersion).toBe(1);
    expect(sealed.contentHash).toHaveLength(32);
  });

  it('is refused by the encoder when a field is invalid, naming the field', () => {
    const sealed = sealEnvelope(aDose());
    const wrong = { ...sealed, originProvince: 'Sichuan' };

    expect(() => encodeEnvelope(wrong)).toThrow(EnvelopeEncodingError);
    expect(() => encodeEnvelope(wrong)).toThrow(/origin_province/);
    expect(() => sealEnvelope(aDose({ payload: utf8('[1,2]') }))).toThrow(/payload/);
  });

  it('is refused by the encoder when its content no longer matches its hash', () => {
    const sealed = sealEnvelope(aDose());
    const edited = { ...sealed, payload: json({ vaccineType: 'MMR', doseNumber: 2 }) };

    expect(() => encodeEnvelope(edited)).toThrow(/content_hash/);
  });
});

describe('the content hash', () => {
  it('follows the recipe written in the .proto', () => {
    const content = aDose({ payload: utf8('{ "doseNumber": 1, "vaccineType": "MMR" }') });
    const part = (text: string): Buffer => {
      const bytes = Buffer.from(text, 'utf8');
      const length = Buffer.alloc(4);
      length.writeUInt32BE(bytes.length);
      return Buffer.concat([length, bytes]);
    };
    const expected = createHash('sha256')
      .update(
        Buffer.concat([
          part('vaxledger.sync.v1.content'),
          part('DoseAdministered'),
          part('2'),
          part('person-440000-p1abcdefghijklmnopqrstuvwxyz'),
          part('{"doseNumber":1,"vaccineType":"MMR"}'),
        ]),
      )
      .digest('hex');

    expect(hex(contentHashOf(content))).toBe(expected);
  });

  it('ignores key order and whitespace in the payload, so forwarding nodes may re-serialise it', () => {
    const reversed = (value: unknown): unknown => {
      if (value === null || typeof value !== 'object') return value;
      if (Array.isArray(value)) return value.map(reversed);
      return Object.fromEntries(
        Object.entries(value as Record<string, unknown>)
          .reverse()
          .map(([k, v]) => [k, reversed(v)]),
      );
    };
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 8 }), (data) => {
        const compact = contentHashOf(aDose({ payload: json(data) }));
        const pretty = contentHashOf(aDose({ payload: utf8(JSON.stringify(reversed(data), null, 2)) }));

        expect(hex(pretty)).toBe(hex(compact));
      }),
    );
  });

  it('changes with the type, the schema version, the stream or the payload', () => {
    const base = hex(contentHashOf(aDose()));

    expect(hex(contentHashOf(aDose({ type: 'DoseEnteredInError' })))).not.toBe(base);
    expect(hex(contentHashOf(aDose({ schemaVersion: 3 })))).not.toBe(base);
    expect(hex(contentHashOf(aDose({ streamId: 'person-440000-p1other' })))).not.toBe(base);
    expect(hex(contentHashOf(aDose({ payload: json({ vaccineType: 'MMR', doseNumber: 2 }) })))).not.toBe(base);
  });
});

describe('bytes received from another node', () => {
  it('that are garbage come back MALFORMED, not as an exception', () => {
    const valid = encodeEnvelope(sealEnvelope(aDose()));
    const garbage: Uint8Array[] = [
      new Uint8Array(0),
      Uint8Array.from([0xff, 0xff, 0xff, 0xff]),
      utf8('{"eventId":"9b2f6c1e-4d3a-4f5b-8c7d-1e2f3a4b5c6d"}'),
      valid.subarray(0, valid.length - 20), // cut inside the content hash
    ];

    for (const bytes of garbage) {
      expect(decodeEnvelope(bytes)).toMatchObject({ ok: false, reason: 'MALFORMED' });
    }
    expect(decodeEnvelope('DoseAdministered' as unknown as Uint8Array)).toMatchObject({
      ok: false,
      reason: 'MALFORMED',
    });
  });

  it('never make the decoder throw, whatever they are', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        let result: DecodeResult | undefined;
        expect(() => {
          result = decodeEnvelope(bytes);
        }).not.toThrow();
        expect(result?.ok).toBe(false);
      }),
    );
  });

  it('are refused as UNSUPPORTED_ENVELOPE_VERSION when a writer uses rules we do not know', () => {
    const fromTheFuture = encodeRaw({ ...rawFieldsOf(sealEnvelope(aDose())), envelopeVersion: 2 });

    expect(decodeEnvelope(fromTheFuture)).toMatchObject({
      ok: false,
      reason: 'UNSUPPORTED_ENVELOPE_VERSION',
      field: 'envelope_version',
    });
  });

  it.each([
    ['event_id', { eventId: '9B2F6C1E-4D3A-4F5B-8C7D-1E2F3A4B5C6D' }],
    ['type', { type: 'dose administered' }],
    ['schema_version', { schemaVersion: 0 }],
    ['stream_id', { streamId: '' }],
    ['stream_revision', { streamRevision: '18446744073709551615' }],
    ['origin_province', { originProvince: '51000' }],
    ['origin_position', { originPosition: '-1' }],
    ['recorded_at', { recordedAt: '2025-02-30T10:00:00+08:00' }],
    ['occurred_at', { occurredAt: '2025-01-02 09:55:00' }],
    ['actor.org_code', { actor: { role: 'clinic', provinceCode: '440000' } }],
    ['actor.province_code', { actor: { orgCode: 'X1', role: 'clinic', provinceCode: 'GD' } }],
    ['payload', { payload: utf8('not json') }],
    ['metadata_json', { metadataJson: utf8('"a string"') }],
    ['content_hash', { contentHash: new Uint8Array(16) }],
  ])('are refused as INVALID_FIELD naming %s when it is wrong', (field, change) => {
    const bytes = encodeRaw({ ...rawFieldsOf(sealEnvelope(aDose())), ...change });

    expect(decodeEnvelope(bytes)).toMatchObject({ ok: false, reason: 'INVALID_FIELD', field });
  });

  it('are refused as CONTENT_HASH_MISMATCH when the content was altered on the way', () => {
    fc.assert(
      fc.property(envelopeContent, jsonObjectBytes, (content, otherPayload) => {
        const sealed = sealEnvelope(content);
        fc.pre(hex(contentHashOf({ ...content, payload: otherPayload })) !== hex(sealed.contentHash));
        const altered = encodeRaw({ ...rawFieldsOf(sealed), payload: otherPayload });

        expect(decodeEnvelope(altered)).toMatchObject({ ok: false, reason: 'CONTENT_HASH_MISMATCH' });
      }),
    );
  });
});

describe('compatibility across versions', () => {
  it('still decodes the envelope.v1.bin fixture written by the first v1 encoder', () => {
    const envelope = accepted(decodeEnvelope(readFileSync(FIXTURE_V1)));

    expect(envelope).toMatchObject({
      envelopeVersion: 1,
      eventId: '3f1c9a52-7b2e-4d8a-9c61-0e5b7a4d2f18',
      type: 'DoseAdministered',
      schemaVersion: 2,
      streamId: 'person-510000-p1tz62ri4byn76xi7ekedhqwttwe',
      streamRevision: 3,
      originProvince: '510000',
      originPosition: '1048577',
      recordedAt: '2024-03-15T09:30:02.481+08:00',
      occurredAt: '2024-03-15T09:28:00+08:00',
      correlationId: 'b6a0d3e4-2c1f-4e8b-a7d9-5f3e1c2b4a60',
      causationId: '0e8f7a6b-5c4d-4e3f-8a2b-1c0d9e8f7a6b',
      actor: {
        orgCode: '125100004507123479',
        role: 'clinic',
        provinceCode: '510000',
        siteCode: '125100004507123479-01',
        staffRef: 'vx-0042',
      },
    });
    expect(JSON.parse(Buffer.from(envelope.payload).toString('utf8'))).toEqual({
      personId: 'p1tz62ri4byn76xi7ekedhqwttwe',
      siteCode: '125100004507123479-01',
      batchId: '6901234-B20240312A',
      traceCode: '81234560000012345678',
      vaccineType: 'HepB',
      doseNumber: 2,
      administeredAt: '2024-03-15T09:28:00+08:00',
    });
    expect(JSON.parse(Buffer.from(envelope.metadataJson).toString('utf8'))).toEqual({
      client: 'vaxledger-api/0.1.0',
      siteLabel: '锦江区社区卫生服务中心',
    });
    // The hash recipe is part of the wire contract: this value must never change.
    expect(hex(envelope.contentHash)).toBe('bd331c007fe1bf5c47aa774dc358a1ddb1cfa0dd7ed94e3a5d28b6e323964aa9');
  });

  it('decodes the known fields of an envelope from a newer writer with fields it does not know', () => {
    // A newer schema: extra fields at the top level and inside Actor, added the allowed way
    // (new numbers), plus one in the range still kept for signing.
    const newer = Root.fromJSON(descriptor as INamespace);
    const newerEnvelope = envelopeTypeOf(newer);
    const newerActor = newer.lookupType('vaxledger.sync.v1.Actor');
    const routing = new Type('Routing').add(new Field('targetProvinces', 1, 'string', 'repeated')).add(new Field('hopCount', 2, 'uint32'));
    newerEnvelope.parent?.add(routing);
    newerEnvelope.reserved = [];
    newerEnvelope
      .add(new Field('signerCertificate', 22, 'bytes'))
      .add(new Field('routing', 40, 'Routing'))
      .add(new Field('retainUntil', 41, 'string'))
      .add(new Field('sequenceHints', 42, 'uint64', 'repeated'));
    newerActor.add(new Field('deviceId', 9, 'string'));
    newer.resolveAll();

    const sealed = sealEnvelope(
      aDose({ actor: { orgCode: '12440000MB2C92345X', role: 'clinic', provinceCode: '440000', siteCode: 'S-1' } }),
    );
    const bytes = encodeRaw(
      {
        ...rawFieldsOf(sealed),
        actor: { ...sealed.actor, deviceId: 'scanner-7' },
        signature: new Uint8Array(64).fill(7),
        signerKeyId: 'gd-node-2025',
        signerCertificate: new Uint8Array(16).fill(9),
        routing: { targetProvinces: ['510000', '000000'], hopCount: 2 },
        retainUntil: '2035-12-31',
        sequenceHints: [1, 2, 3],
      },
      newerEnvelope,
    );

    expect(bytes.length).toBeGreaterThan(encodeEnvelope(sealed).length);
    expect(decodeEnvelope(bytes)).toEqual({
      ok: true,
      envelope: { ...sealed, signature: new Uint8Array(64).fill(7), signerKeyId: 'gd-node-2025' },
    });
  });
});

describe('the signature fields (20, 21)', () => {
  it('are left out of an unsigned envelope, so its bytes are what a v1 writer without signing wrote', () => {
    const sealed = sealEnvelope(aDose());
    expect(Buffer.from(encodeEnvelope(sealed))).toEqual(Buffer.from(encodeRaw(rawFieldsOf(sealed))));
    expect(accepted(decodeEnvelope(encodeEnvelope(sealed)))).not.toHaveProperty('signature');
  });

  it('round-trip when present', () => {
    const signed = { ...sealEnvelope(aDose()), signature: new Uint8Array(64).fill(3), signerKeyId: '0123456789abcdef' };
    expect(accepted(decodeEnvelope(encodeEnvelope(signed)))).toEqual(signed);
  });

  it.each([
    ['a signature without a key id', { signature: new Uint8Array(64) }, 'signer_key_id'],
    ['a key id without a signature', { signerKeyId: '0123456789abcdef' }, 'signature'],
    ['a signature of the wrong length', { signature: new Uint8Array(63), signerKeyId: '0123456789abcdef' }, 'signature'],
    ['a key id with spaces', { signature: new Uint8Array(64), signerKeyId: 'my key' }, 'signer_key_id'],
  ])('refuse %s as an invalid field', (_case, fields, field) => {
    const bytes = encodeRaw({ ...rawFieldsOf(sealEnvelope(aDose())), ...fields });
    expect(decodeEnvelope(bytes)).toMatchObject({ ok: false, reason: 'INVALID_FIELD', field });
  });
});
