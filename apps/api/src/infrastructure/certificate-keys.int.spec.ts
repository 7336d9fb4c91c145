import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { certificateKeyFile, CertificateKeyError, createCertificateKeys, rotateCertificateKey, trustEntryOf } from './certificate-keys';

// The province's certificate key file on a real file system: private to its owner, never
// overwritten by `new-key`, rotated without losing the old public key, and re-read by a
// running node when it changes.
describe('the certificate key file', () => {
  let dir = '';
  let file = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vxl-certkeys-'));
    file = join(dir, 'certificate-keys.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is created private (0600) with one current key whose kid is its thumbprint, and never overwritten', () => {
    const kid = createCertificateKeys(file, 'https://sc.vaxledger.example');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const keys = certificateKeyFile(file, null)();
    expect(keys).toMatchObject({ issuer: 'https://sc.vaxledger.example', signing: { kid } });
    expect(keys!.publicKeys.map((k) => k.kid)).toEqual([kid]);
    expect(JSON.stringify(keys!.publicKeys)).not.toContain('"d"');
    expect(() => createCertificateKeys(file, 'https://sc.vaxledger.example')).toThrow(CertificateKeyError);
    expect(() => createCertificateKeys(join(dir, 'other.json'), 'http://insecure.example')).toThrow(/https/);
  });

  it('rotates: the new key signs, the old key keeps only its public half, and a running reader sees the change', () => {
    const first = createCertificateKeys(file, 'https://sc.vaxledger.example');
    const read = certificateKeyFile(file, null);
    expect(read()!.signing.kid).toBe(first);
    const { retired, current } = rotateCertificateKey(file);
    expect(retired).toBe(first);
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { keys: { kid: string; privateJwk?: unknown; retiredAt?: string }[] };
    expect(stored.keys.map((k) => [k.kid, k.privateJwk !== undefined, k.retiredAt !== undefined])).toEqual([
      [current, true, false],
      [first, false, true],
    ]);
    const now = read()!;
    expect(now.signing.kid).toBe(current);
    expect(trustEntryOf(now, '510000').issuers[0]!.keys.map((k) => k.kid)).toEqual([current, first]);
  });

  it('is absent (null) on a server until provisioned, made on first use where the node may create it, and refused when damaged', () => {
    expect(certificateKeyFile(file, null)()).toBeNull();
    expect(certificateKeyFile(file, 'https://vaxledger.example/issuers/510000')()).toMatchObject({
      issuer: 'https://vaxledger.example/issuers/510000',
    });
    writeFileSync(file, '{"version":1,"issuer":"https://x.example","keys":[]}');
    expect(() => certificateKeyFile(file, null)()).toThrow(/exactly one current private key/);
  });
});
