import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { verifyWithReferenceVerifier } from '../../../../test/support/shc-reference-verifier';
import {
  type CertificateTrustList,
  ecThumbprint,
  mergeTrustLists,
  parseCertificateTrustList,
  type PublicJwk,
} from './certificate-trust-list';
import { healthCardBundle } from './health-card-bundle';
import { revocationEntries, revocationIdOf, signRevocationList, verifyRevocationList } from './revocation-list';
import {
  fromNumericQr,
  HEALTH_CARD_TYPE,
  type HealthCardClaims,
  IMMUNIZATION_CARD_TYPE,
  signHealthCard,
  toNumericQr,
} from './smart-health-card';
import { verifyHealthCard } from './verify-health-card';

const SECRET = 'unit-test-pseudonym-secret';
const PERSON = 'p1tz62ri4byn76xi7ekedhqwttwe';
const SICHUAN = 'https://sc.vaxledger.example';
const GUANGDONG = 'https://gd.vaxledger.example';
const ISSUED = Date.parse('2026-11-23T01:30:00Z') / 1000;

interface TestKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly jwk: PublicJwk;
}

const newKey = (): TestKey => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { x, y } = publicKey.export({ format: 'jwk' }) as { x: string; y: string };
  const kid = ecThumbprint({ kty: 'EC', crv: 'P-256', x, y });
  return { kid, privateKey, jwk: { kty: 'EC', crv: 'P-256', x, y, kid, use: 'sig', alg: 'ES256' } };
};

const claimsOf = (iss: string, nbf = ISSUED): HealthCardClaims => ({
  iss,
  nbf,
  vc: {
    type: [HEALTH_CARD_TYPE, IMMUNIZATION_CARD_TYPE],
    credentialSubject: {
      fhirVersion: '4.0.1',
      fhirBundle: healthCardBundle(
        { name: '张三', birthDate: '2024-01-15' },
        [
          {
            vaccineType: 'HepB',
            productCode: '86901234000015',
            batchId: '86901234000015-L20260101',
            administeredAt: '2026-11-20T09:30:00+08:00',
            siteCode: '12510100MB0A00001X-01',
            originProvince: '510000',
          },
        ],
        () => [{ system: 'http://hl7.org/fhir/sid/cvx', code: '45' }],
      ),
    },
    rid: revocationIdOf(SECRET, PERSON),
  },
  vxl: { province: '510000', origins: [{ origin: '510000', completeUpTo: '2026-11-23T01:30:00Z' }] },
});

const trustOf = (entries: readonly { iss: string; province: string; keys: readonly TestKey[] }[]): CertificateTrustList =>
  parseCertificateTrustList(
    JSON.stringify({ issuers: entries.map((e) => ({ iss: e.iss, province: e.province, keys: e.keys.map((k) => k.jwk) })) }),
  );

/** One character of a JWS part replaced by another base64url character (the middle one: every bit of it counts). */
const tamper = (jws: string, part: 1 | 2): string => {
  const parts = jws.split('.');
  const text = parts[part]!;
  const at = Math.floor(text.length / 2);
  parts[part] = text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);
  return parts.join('.');
};

const NOW = new Date((ISSUED + 60) * 1000);

describe('a health card signed by Sichuan’s certificate key', () => {
  const sichuan = newKey();
  const trust = trustOf([{ iss: SICHUAN, province: '510000', keys: [sichuan] }]);
  let jws: string;
  beforeAll(async () => {
    jws = await signHealthCard(claimsOf(SICHUAN), sichuan);
  });

  it('verifies offline with only the trust list, from its QR text', async () => {
    const verdict = await verifyHealthCard(toNumericQr(jws), trust, { now: NOW });
    expect(verdict).toMatchObject({ status: 'valid', issuer: SICHUAN, province: '510000', kid: sichuan.kid });
  });

  it('survives the numeric QR encoding unchanged', () => {
    expect(fromNumericQr(toNumericQr(jws))).toBe(jws);
  });

  it('passes the independent verifier written from the SMART Health Cards spec', async () => {
    const result = await verifyWithReferenceVerifier(toNumericQr(jws), { [SICHUAN]: { keys: [sichuan.jwk] } });
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('is invalid when one character of the payload is changed', async () => {
    expect(await verifyHealthCard(tamper(jws, 1), trust, { now: NOW })).toMatchObject({ status: 'invalid', reason: 'BAD_SIGNATURE' });
    expect((await verifyWithReferenceVerifier(tamper(jws, 1), { [SICHUAN]: { keys: [sichuan.jwk] } })).ok).toBe(false);
  });

  it('is invalid when one character of the signature is changed', async () => {
    expect(await verifyHealthCard(toNumericQr(tamper(jws, 2)), trust, { now: NOW })).toMatchObject({
      status: 'invalid',
      reason: 'BAD_SIGNATURE',
    });
  });

  it('is invalid against a trust list that does not hold its key', async () => {
    const other = trustOf([{ iss: SICHUAN, province: '510000', keys: [newKey()] }]);
    expect(await verifyHealthCard(jws, other, { now: NOW })).toMatchObject({ status: 'invalid', reason: 'UNTRUSTED_KEY' });
  });

  it('is revoked by a signed list naming the person before the card was issued, and valid by an older entry', async () => {
    const list = {
      iss: SICHUAN,
      province: '510000',
      issuedAt: '2026-11-23T02:00:00Z',
      method: 'rid' as const,
      ctr: 1,
      rids: revocationEntries(SECRET, [{ personId: PERSON, revokedAt: new Date((ISSUED + 30) * 1000) }]),
    };
    const signed = await verifyRevocationList(await signRevocationList(list, sichuan), trust);
    expect(await verifyHealthCard(jws, trust, { now: NOW, revocations: [signed] })).toMatchObject({
      status: 'revoked',
      revokedBy: SICHUAN,
    });
    const older = { ...list, rids: revocationEntries(SECRET, [{ personId: PERSON, revokedAt: new Date((ISSUED - 30) * 1000) }]) };
    expect(await verifyHealthCard(jws, trust, { now: NOW, revocations: [older] })).toMatchObject({ status: 'valid' });
  });

  it('refuses a revocation list signed by a key not on the trust list', async () => {
    const list = { iss: SICHUAN, province: '510000', issuedAt: '2026-11-23T02:00:00Z', method: 'rid' as const, ctr: 0, rids: [] };
    await expect(verifyRevocationList(await signRevocationList(list, newKey()), trust)).rejects.toThrow(/not on the trust list/);
  });
});

describe('keys and issuers on the national trust list', () => {
  it('keeps a card signed before a rotation valid while the old key stays listed', async () => {
    const [old, current] = [newKey(), newKey()];
    const before = await signHealthCard(claimsOf(SICHUAN), old);
    const after = await signHealthCard(claimsOf(SICHUAN), current);
    const trust = trustOf([{ iss: SICHUAN, province: '510000', keys: [current, old] }]);
    expect(await verifyHealthCard(before, trust, { now: NOW })).toMatchObject({ status: 'valid', kid: old.kid });
    expect(await verifyHealthCard(after, trust, { now: NOW })).toMatchObject({ status: 'valid', kid: current.kid });
  });

  it('refuses a card whose iss names another province than the key’s', async () => {
    const [sichuan, guangdong] = [newKey(), newKey()];
    const trust = mergeTrustLists([
      trustOf([{ iss: SICHUAN, province: '510000', keys: [sichuan] }]),
      trustOf([{ iss: GUANGDONG, province: '440000', keys: [guangdong] }]),
    ]);
    const forged = await signHealthCard(claimsOf(SICHUAN), guangdong);
    expect(await verifyHealthCard(forged, trust, { now: NOW })).toMatchObject({ status: 'invalid', reason: 'ISSUER_MISMATCH' });
  });

  it('refuses a trust list carrying a private key', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = privateKey.export({ format: 'jwk' });
    expect(() => parseCertificateTrustList(JSON.stringify({ issuers: [{ iss: SICHUAN, province: '510000', keys: [jwk] }] }))).toThrow(
      /private key/,
    );
  });

  it('calls text that is no card malformed', async () => {
    const trust = trustOf([{ iss: SICHUAN, province: '510000', keys: [newKey()] }]);
    expect(await verifyHealthCard('shc:/123', trust)).toMatchObject({ status: 'invalid', reason: 'MALFORMED' });
    expect(await verifyHealthCard('hello', trust)).toMatchObject({ status: 'invalid', reason: 'MALFORMED' });
  });
});
