import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import fc from 'fast-check';
import {
  contentHashOf,
  decodeEnvelope,
  encodeEnvelope,
  sealEnvelope,
  type EnvelopeContent,
  type WireEnvelope,
} from '../envelope/envelope.codec';
import { EnvelopeSigner, keyIdOf, SigningKeyError, signedBytesOf, TrustList } from './envelope-signing';

const SICHUAN = '510000';
const GUANGDONG = '440000';

const ed25519 = (): KeyObject => generateKeyPairSync('ed25519').privateKey;
/** A key from a fixed 32-byte seed (PKCS#8 DER of Ed25519 is a fixed prefix and the seed). */
const seededKey = (seedByte: number): KeyObject =>
  createPrivateKey({
    key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.alloc(32, seedByte)]),
    format: 'der',
    type: 'pkcs8',
  });

const aDose = (overrides: Partial<EnvelopeContent> = {}): WireEnvelope =>
  sealEnvelope({
    eventId: '9b2f6c1e-4d3a-4f5b-8c7d-1e2f3a4b5c6d',
    type: 'DoseAdministered',
    schemaVersion: 1,
    streamId: `person-${SICHUAN}-p1abcdefghijklmnopqrstuvwxyz`,
    streamRevision: 3,
    originProvince: SICHUAN,
    originPosition: '42',
    recordedAt: '2025-01-02T10:00:00.000+08:00',
    occurredAt: '2025-01-02T09:55:00+08:00',
    correlationId: 'c-1',
    actor: { orgCode: '12510000MB0A1234XJ', role: 'clinic', provinceCode: SICHUAN, siteCode: 'S-1' },
    payload: Buffer.from(JSON.stringify({ vaccineType: 'HepB', doseNumber: 1 })),
    metadataJson: Buffer.from(JSON.stringify({ client: 'test' })),
    ...overrides,
  });

describe('an envelope signed by a province whose key is on the trust list', () => {
  const sichuanKey = ed25519();
  const signer = new EnvelopeSigner(sichuanKey);
  const trust = new TrustList({ [SICHUAN]: [signer.publicKey], [GUANGDONG]: [createPublicKey(ed25519())] });

  it('is accepted, and names the key that signed', () => {
    const signed = signer.sign(aDose());
    expect(signed.signerKeyId).toBe(keyIdOf(signer.publicKey));
    expect(signed.signature).toHaveLength(64);
    expect(trust.verify(signed)).toEqual({ ok: true, keyId: signer.keyId });
  });

  it('is still accepted after the wire (encode, decode)', () => {
    const decoded = decodeEnvelope(encodeEnvelope(signer.sign(aDose())));
    if (!decoded.ok) throw new Error(decoded.detail);
    expect(trust.verify(decoded.envelope)).toMatchObject({ ok: true });
  });

  it('is still accepted when the metadata JSON is re-serialised with other key order or spacing', () => {
    const signed = signer.sign(aDose({ metadataJson: Buffer.from('{"b":1,"a":"x"}') }));
    expect(trust.verify({ ...signed, metadataJson: Buffer.from('{ "a": "x",  "b": 1 }') })).toMatchObject({ ok: true });
  });

  const alterations: readonly [string, (e: WireEnvelope) => WireEnvelope][] = [
    ['event_id', (e) => ({ ...e, eventId: '00000000-0000-4000-8000-000000000000' })],
    ['type (content hash kept)', (e) => ({ ...e, type: 'DoseEnteredInError' })],
    ['schema_version', (e) => ({ ...e, schemaVersion: 2 })],
    ['stream_id', (e) => ({ ...e, streamId: `${e.streamId}x` })],
    ['stream_revision', (e) => ({ ...e, streamRevision: e.streamRevision + 1 })],
    ['origin_position', (e) => ({ ...e, originPosition: '43' })],
    ['recorded_at', (e) => ({ ...e, recordedAt: '2025-01-02T10:00:00.001+08:00' })],
    ['occurred_at', (e) => ({ ...e, occurredAt: '2025-01-01T09:55:00+08:00' })],
    ['correlation_id', (e) => ({ ...e, correlationId: 'c-2' })],
    ['causation_id', (e) => ({ ...e, causationId: 'c-0' })],
    ['actor.org_code', (e) => ({ ...e, actor: { ...e.actor, orgCode: '12440000MB2C92345X' } })],
    ['actor.role', (e) => ({ ...e, actor: { ...e.actor, role: 'cdc' } })],
    ['actor.province_code', (e) => ({ ...e, actor: { ...e.actor, provinceCode: GUANGDONG } })],
    ['actor.site_code', (e) => ({ ...e, actor: { ...e.actor, siteCode: 'S-2' } })],
    ['actor.staff_ref', (e) => ({ ...e, actor: { ...e.actor, staffRef: 'vx-1' } })],
    ['metadata_json', (e) => ({ ...e, metadataJson: Buffer.from(JSON.stringify({ client: 'evil' })) })],
    [
      'payload (content hash recomputed)',
      (e) => {
        const payload = Buffer.from(JSON.stringify({ vaccineType: 'HepB', doseNumber: 2 }));
        return { ...e, payload, contentHash: contentHashOf({ ...e, payload }) };
      },
    ],
    ['signature', (e) => ({ ...e, signature: e.signature!.map((b, i) => (i === 0 ? b ^ 1 : b)) })],
  ];

  it.each(alterations)('is refused as BAD_SIGNATURE when %s was altered on the way', (_field, alter) => {
    expect(trust.verify(alter(signer.sign(aDose())))).toMatchObject({ ok: false, reason: 'BAD_SIGNATURE' });
  });

  it('is refused as BAD_SIGNATURE when any single byte of the signature flips', () => {
    const signed = signer.sign(aDose());
    fc.assert(
      fc.property(fc.nat(63), fc.integer({ min: 1, max: 255 }), (at, mask) => {
        const signature = new Uint8Array(signed.signature!);
        signature[at] = signature[at]! ^ mask;
        expect(trust.verify({ ...signed, signature })).toMatchObject({ ok: false, reason: 'BAD_SIGNATURE' });
      }),
      { numRuns: 200 },
    );
  });

  it('is refused as BAD_SIGNATURE when the key id is swapped for another key of the same province', () => {
    const second = new EnvelopeSigner(ed25519());
    const rotating = new TrustList({ [SICHUAN]: [signer.publicKey, second.publicKey] });
    const signed = signer.sign(aDose());
    expect(rotating.verify({ ...signed, signerKeyId: second.keyId })).toMatchObject({ ok: false, reason: 'BAD_SIGNATURE' });
  });
});

describe('signatures a receiver must refuse', () => {
  const sichuan = new EnvelopeSigner(ed25519());
  const guangdong = new EnvelopeSigner(ed25519());
  const trust = new TrustList({ [SICHUAN]: [sichuan.publicKey], [GUANGDONG]: [guangdong.publicKey] });

  it('UNSIGNED: no signature at all', () => {
    expect(trust.verify(aDose())).toMatchObject({ ok: false, reason: 'UNSIGNED' });
  });

  it('UNTRUSTED_SIGNER: a key not on the list', () => {
    const stranger = new EnvelopeSigner(ed25519());
    expect(trust.verify(stranger.sign(aDose()))).toMatchObject({ ok: false, reason: 'UNTRUSTED_SIGNER' });
  });

  it("SIGNER_NOT_OWNER: another province's trusted key signing for Sichuan's events", () => {
    expect(trust.verify(guangdong.sign(aDose()))).toMatchObject({ ok: false, reason: 'SIGNER_NOT_OWNER' });
  });

  it('BAD_SIGNATURE: a signature made over another origin, relabelled', () => {
    const asGuangdong = guangdong.sign(aDose({ originProvince: GUANGDONG }));
    expect(trust.verify({ ...asGuangdong, originProvince: SICHUAN, signerKeyId: sichuan.keyId })).toMatchObject({
      ok: false,
      reason: 'BAD_SIGNATURE',
    });
  });
});

describe('key rotation and custody', () => {
  it('accepts either of two keys listed for a province while it rolls over', () => {
    const oldKey = new EnvelopeSigner(ed25519());
    const newKey = new EnvelopeSigner(ed25519());
    const trust = new TrustList({ [SICHUAN]: [oldKey.publicKey, newKey.publicKey] });
    expect(trust.keyIdsOf(SICHUAN).sort()).toEqual([oldKey.keyId, newKey.keyId].sort());
    expect(trust.verify(oldKey.sign(aDose()))).toMatchObject({ ok: true, keyId: oldKey.keyId });
    expect(trust.verify(newKey.sign(aDose()))).toMatchObject({ ok: true, keyId: newKey.keyId });
    // Once the old key is taken off the list, what it signs is refused.
    expect(new TrustList({ [SICHUAN]: [newKey.publicKey] }).verify(oldKey.sign(aDose()))).toMatchObject({
      ok: false,
      reason: 'UNTRUSTED_SIGNER',
    });
  });

  it('lets the hub sign as custodian for a direct-mode province listed with its key', () => {
    const hub = new EnvelopeSigner(ed25519());
    const trust = new TrustList({ '000000': [hub.publicKey], '650000': [hub.publicKey] });
    expect(trust.verify(hub.sign(aDose({ originProvince: '650000' })))).toMatchObject({ ok: true });
    expect(trust.verify(hub.sign(aDose()))).toMatchObject({ ok: false, reason: 'SIGNER_NOT_OWNER' });
  });
});

describe('keys and the signed bytes', () => {
  it('refuses keys that are not Ed25519 private keys', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    expect(() => new EnvelopeSigner(rsa)).toThrow(SigningKeyError);
    expect(() => new EnvelopeSigner(createPublicKey(ed25519()))).toThrow(SigningKeyError);
    expect(() => new TrustList({ [SICHUAN]: [ed25519()] })).toThrow(SigningKeyError);
    expect(() => new TrustList({ Sichuan: [createPublicKey(ed25519())] })).toThrow(SigningKeyError);
  });

  it('derives a 16-hex-digit key id from the public key alone', () => {
    const key = ed25519();
    expect(keyIdOf(createPublicKey(key))).toMatch(/^[0-9a-f]{16}$/);
    expect(new EnvelopeSigner(key).keyId).toBe(keyIdOf(createPublicKey(key)));
    expect(keyIdOf(createPublicKey(ed25519()))).not.toBe(keyIdOf(createPublicKey(key)));
  });

  it('covers the key id itself, so a signature cannot be moved to another key id', () => {
    const e = aDose();
    expect(signedBytesOf(e, 'aaaaaaaaaaaaaaaa').equals(signedBytesOf(e, 'bbbbbbbbbbbbbbbb'))).toBe(false);
  });

  it('keeps absent and empty optional fields apart from their neighbours (length prefixes)', () => {
    // Moving a character between adjacent fields must change the signed bytes.
    const a = aDose({ actor: { orgCode: 'AB', role: 'clinic', provinceCode: SICHUAN } });
    const b = aDose({ actor: { orgCode: 'A', role: 'Bclinic', provinceCode: SICHUAN } });
    expect(signedBytesOf(a, 'k').equals(signedBytesOf(b, 'k'))).toBe(false);
  });

  it('signs deterministically: a fixed key and envelope give the pinned signature (the recipe is a wire contract)', () => {
    const signer = new EnvelopeSigner(seededKey(7));
    const signed = signer.sign(aDose());
    expect(signer.keyId).toBe(keyIdOf(createPublicKey(seededKey(7))));
    expect(Buffer.from(signed.signature!).toString('hex')).toBe(PINNED_SIGNATURE);
  });
});

// Ed25519 (RFC 8032) is deterministic. This value was produced once by this recipe; a change
// to signedBytesOf that alters it breaks every receiver that has not upgraded.
const PINNED_SIGNATURE =
  '39bb02910dc941830242bcc1e73255a3cf5a0bac144dc913298cedc0c9a2b72d4b7b918b116d5bad415a84c27215cd2228600d13f6f97fcfffeb4f2c678b7505';
