import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import {
  type CertificateTrustList,
  jwsOfPresentation,
  parseCertificateTrustList,
  verifyHealthCard,
  verifyRevocationList,
} from '@vaxledger/application';
import { createCertificateKeys, rotateCertificateKey } from '../../apps/api/src/infrastructure/certificate-keys';
import { verifyCertificate } from '../../apps/cli/src/certificate/verify-certificate';
import { run } from '../../apps/cli/src/main';
import { actor, AS, startApi, type ApiHarness } from '../support/api-harness';
import { stockClinic } from '../support/scenario';
import { verifyWithReferenceVerifier } from '../support/shc-reference-verifier';

// POST /v1/persons/{personId}/certificates over a whole node: the card verifies offline with a
// trust list made from the node's JWKS, and with the independent verifier; the issue is audited
// and the name stays out of the log; rotation keeps old cards valid; a dose entered in error
// puts the person's cards on the signed revocation list, and the CLI says so.

const ISSUER = 'https://sc.vaxledger.example';
const LOT = 'CERT2026A';
const PERSON = { idType: 'RESIDENT_ID', idNumber: '440305202101154566', name: '证书测试', birthDate: '2021-01-15', sex: 'F' };
const daysAgo = (d: number): string => new Date(Date.now() - d * 86_400_000).toISOString();

interface Issued {
  readonly jws: string;
  readonly qr: string;
  readonly qrPng: string;
  readonly kid: string;
  readonly doses: number;
  readonly fitsSingleQr: boolean;
  readonly origins: { origin: string; completeUpTo: string | null }[];
}

describe('signed vaccination certificates on a node', () => {
  let api: ApiHarness;
  let dir = '';
  let keysFile = '';
  let personId = '';
  let secondDose = '';
  let first: Issued;

  const issue = async (as: Record<string, string> = AS.clinic): Promise<Issued> => {
    const res = await api.http.post(`/v1/persons/${personId}/certificates`).set(as).send({});
    if (res.status !== 201) throw new Error(`issue: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as Issued;
  };
  /** The trust list a hub would build from this node's published keys. */
  const trustFromJwks = async (): Promise<CertificateTrustList> => {
    const jwks = await api.http.get('/.well-known/jwks.json');
    expect(jwks.status).toBe(200);
    return parseCertificateTrustList(JSON.stringify({ issuers: [{ iss: ISSUER, province: '510000', keys: jwks.body.keys }] }));
  };
  const dose = async (doseNumber: number, at: string): Promise<Record<string, unknown>> => {
    const res = await api.http
      .post('/v1/doses')
      .set(AS.clinic)
      .send({ person: PERSON, batchId: `8696321-${LOT}`, doseNumber, administeredAt: at, route: 'IM', vaccinatorRef: 'V-1' });
    if (res.status !== 201) throw new Error(`dose: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as Record<string, unknown>;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vxl-cert-'));
    keysFile = join(dir, 'certificate-keys.json');
    createCertificateKeys(keysFile, ISSUER);
    api = await startApi({ CERTIFICATE_KEYS_FILE: keysFile });
    await stockClinic(api, { lot: LOT });
    personId = String((await dose(1, daysAgo(40))).id);
    const second = await dose(2, daysAgo(5));
    secondDose = (second.eventIds as string[]).at(-1)!;
    await api.settle();
    first = await issue();
  }, 120_000);

  afterAll(async () => {
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('issues a card of both doses that verifies offline with only the trust list', async () => {
    expect(first).toMatchObject({ doses: 2, fitsSingleQr: true, origins: [{ origin: '510000' }] });
    expect(first.qr).toMatch(/^shc:\/\d+$/);
    expect(Buffer.from(first.qrPng, 'base64').subarray(1, 4).toString()).toBe('PNG');
    const verdict = await verifyHealthCard(first.qr, await trustFromJwks());
    expect(verdict).toMatchObject({ status: 'valid', issuer: ISSUER, kid: first.kid });
  });

  it('passes the independent SMART Health Card verifier, name and birth date inside the signed card', async () => {
    const jwks = (await api.http.get('/.well-known/jwks.json')).body as { keys: never[] };
    const result = await verifyWithReferenceVerifier(first.qr, { [ISSUER]: jwks });
    expect(result.problems).toEqual([]);
    const payload = JSON.parse(inflateRawSync(Buffer.from(first.jws.split('.')[1]!, 'base64url')).toString('utf8')) as {
      vc: { credentialSubject: { fhirBundle: { entry: { resource: Record<string, unknown> }[] } } };
    };
    expect(payload.vc.credentialSubject.fhirBundle.entry[0]!.resource).toMatchObject({
      name: [{ text: PERSON.name }],
      birthDate: PERSON.birthDate,
    });
  });

  it('audits the issue as a record read, and nothing in the log carries the name or birth date', async () => {
    const schema = (api.runtime.store as unknown as { schemaName: string }).schemaName;
    const reads: { n: number }[] = await api.runtime.readModels.dataSource.query(
      `SELECT count(*)::int AS n FROM "${schema}".events WHERE type = 'PersonRecordRead' AND data->>'personId' = $1`,
      [personId],
    );
    expect(reads[0]!.n).toBeGreaterThanOrEqual(1);
    const leaks: { n: number }[] = await api.runtime.readModels.dataSource.query(
      `SELECT count(*)::int AS n FROM "${schema}".events WHERE data::text LIKE $1 OR data::text LIKE $2 OR metadata::text LIKE $1`,
      [`%${PERSON.name}%`, `%${PERSON.birthDate}%`],
    );
    expect(leaks[0]!.n).toBe(0);
  });

  it('refuses callers who may not read the record, and a malformed id, appending nothing', async () => {
    const before = await api.logSize();
    const stranger = actor('clinic', '12440300MB1B9999XX', '440000');
    expect((await api.http.post(`/v1/persons/${personId}/certificates`).set(stranger).send({})).status).toBe(404);
    expect((await api.http.post(`/v1/persons/${personId}/certificates`).set(AS.maker).send({})).status).toBe(403);
    const bad = await api.http.post('/v1/persons/not-a-person/certificates').set(AS.clinic).send({});
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await api.logSize()).toBe(before);
  });

  it('is invalid against a trust list holding another issuer key', async () => {
    const otherDir = mkdtempSync(join(tmpdir(), 'vxl-cert-other-'));
    createCertificateKeys(join(otherDir, 'k.json'), ISSUER);
    const { keys } = JSON.parse(readFileSync(join(otherDir, 'k.json'), 'utf8')) as { keys: { publicJwk: unknown }[] };
    const wrong = parseCertificateTrustList(
      JSON.stringify({ issuers: [{ iss: ISSUER, province: '510000', keys: keys.map((k) => k.publicJwk) }] }),
    );
    rmSync(otherDir, { recursive: true, force: true });
    expect(await verifyHealthCard(first.qr, wrong)).toMatchObject({ status: 'invalid', reason: 'UNTRUSTED_KEY' });
  });

  it('keeps the old card valid after a key rotation, beside cards signed with the new key', async () => {
    const { retired, current } = rotateCertificateKey(keysFile);
    expect(retired).toBe(first.kid);
    const after = await issue();
    expect(after.kid).toBe(current);
    const trust = await trustFromJwks();
    expect(trust.issuers[0]!.keys.map((k) => k.kid)).toEqual([current, retired]);
    expect(await verifyHealthCard(first.qr, trust)).toMatchObject({ status: 'valid', kid: retired });
    expect(await verifyHealthCard(after.qr, trust)).toMatchObject({ status: 'valid', kid: current });
  });

  it('revokes the person’s cards when a dose is entered in error; the CLI says revoked, invalid for a changed byte', async () => {
    const voided = await api.http.post(`/v1/doses/${secondDose}/entered-in-error`).set(AS.clinic).send({ reasonCode: 'duplicate_entry' });
    expect(voided.status).toBe(201);
    // At once, as a clinic does at the counter after a correction: the card has the one valid dose
    // (the issue waits for the views), and the list that revokes the old card spares it.
    const corrected = await issue();
    expect(corrected.doses).toBe(1);
    await api.settle();
    const res = await api.http.get('/v1/certificates/revocations');
    expect(res.status).toBe(200);
    const trust = await trustFromJwks();
    const list = await verifyRevocationList(res.body.jws as string, trust);
    expect(list.rids).toHaveLength(1);
    expect(await verifyHealthCard(first.qr, trust, { revocations: [list] })).toMatchObject({ status: 'revoked' });
    expect(await verifyHealthCard(corrected.qr, trust, { revocations: [list] })).toMatchObject({ status: 'valid' });

    // The same entries in the specification's form: one unsigned list per key (the first card's
    // key is retired by now), its counter equal to the key's crlVersion in the JWKS. Checked as
    // the specification reads: the card's vc.rid listed with a time after the card's nbf.
    const crl = await api.http.get(`/.well-known/crl/${first.kid}.json`);
    expect(crl.status).toBe(200);
    expect(crl.body).toEqual({ kid: first.kid, method: 'rid', ctr: expect.any(Number), rids: list.rids });
    const published = (await api.http.get('/.well-known/jwks.json')).body as { keys: { kid: string; crlVersion: number }[] };
    expect(published.keys.find((k) => k.kid === first.kid)?.crlVersion).toBe(crl.body.ctr);
    expect(crl.body.ctr).toBeGreaterThan(1);
    const card = JSON.parse(inflateRawSync(Buffer.from(jwsOfPresentation(first.qr).split('.')[1]!, 'base64url')).toString('utf8')) as {
      nbf: number;
      vc: { rid: string };
    };
    const entry = (crl.body.rids as string[]).find((r) => r.split('.')[0] === card.vc.rid);
    expect(Number(entry?.split('.')[1])).toBeGreaterThan(card.nbf);
    const unknown = await api.http.get('/.well-known/crl/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.json');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ code: 'NOT_FOUND' });

    const trustFile = join(dir, 'trust.json');
    const revocationsFile = join(dir, 'revocations.json');
    writeFileSync(trustFile, JSON.stringify(trust));
    writeFileSync(revocationsFile, JSON.stringify(res.body));
    const cli = await verifyCertificate(first.qr, { trustLists: [trustFile], revocations: [revocationsFile] });
    expect(cli.exitCode).toBe(3);
    expect(cli.lines[0]).toMatch(/^revoked: /);
    // Without a revocation list, "valid" says that it did not check for one.
    const unchecked = await verifyCertificate(first.qr, { trustLists: [trustFile], revocations: [] });
    expect(unchecked.lines[0]).toMatch(/^valid: /);
    expect(unchecked.lines.at(-1)).toMatch(/revocation not checked: give --revocations/);
    const jws = jwsOfPresentation(first.qr);
    const at = jws.indexOf('.') + 20;
    const changed = jws.slice(0, at) + (jws[at] === 'A' ? 'B' : 'A') + jws.slice(at + 1);
    const tampered = await verifyCertificate(changed, { trustLists: [trustFile], revocations: [] });
    expect(tampered.exitCode).toBe(1);
    expect(tampered.lines[0]).toMatch(/^invalid: BAD_SIGNATURE/);
    // The command itself, with the card in a file: valid without the list, revoked with it.
    const cardFile = join(dir, 'card.txt');
    writeFileSync(cardFile, first.qr);
    const quiet = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await run(['certificate', 'verify', cardFile, '--trust-list', trustFile])).toBe(0);
      expect(await run(['certificate', 'verify', cardFile, '--trust-list', trustFile, '--revocations', revocationsFile])).toBe(3);
      // Without --trust-list the command reads CERTIFICATE_TRUST_LIST, and is a usage error without either.
      process.env.CERTIFICATE_TRUST_LIST = trustFile;
      expect(await run(['certificate', 'verify', cardFile, '--revocations', revocationsFile])).toBe(3);
      expect(await run(['certificate', 'verify', cardFile])).toBe(0);
      delete process.env.CERTIFICATE_TRUST_LIST;
      expect(await run(['certificate', 'verify', cardFile])).toBe(2);
    } finally {
      delete process.env.CERTIFICATE_TRUST_LIST;
      quiet.mockRestore();
    }
  });

  it('revokes on erasure too, and issues no card without name and birth date', async () => {
    const before = (
      await verifyRevocationList((await api.http.get('/v1/certificates/revocations')).body.jws as string, await trustFromJwks())
    ).ctr;
    const lookup = await api.http.post('/v1/persons/lookup').set(AS.cdc).send({ idType: PERSON.idType, idNumber: PERSON.idNumber });
    expect(lookup.status).toBe(200);
    const erased = await api.http.delete(`/v1/persons/${personId}/details`).set(AS.cdc).send({ legalBasis: 'court_order' });
    expect(erased.status).toBe(201);
    await api.settle();
    const list = await verifyRevocationList((await api.http.get('/v1/certificates/revocations')).body.jws as string, await trustFromJwks());
    expect(list.ctr).toBe(before + 1);
    const refused = await api.http.post(`/v1/persons/${personId}/certificates`).set(AS.clinic).send({});
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: 'CERTIFICATE_UNAVAILABLE' });
  });
});
