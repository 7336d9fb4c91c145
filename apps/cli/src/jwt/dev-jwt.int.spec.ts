import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JwtVerifier } from '../../../api/src/auth/jwt-verifier';
import { JwtUsageError, runJwtCommand } from './dev-jwt';

// The local identity provider for trying AUTH_MODE=jwt: what `jwt init` prints is what the
// node needs, and the node's own verifier accepts what `jwt token` signs.
describe('cli jwt init / token', () => {
  it('makes a key and JWKS the node verifies tokens against, for each role', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vx-jwt-'));
    const printed: string[] = [];
    expect(await runJwtCommand(['init', '--dir', dir], (l) => printed.push(l))).toBe(0);
    const setting = (name: string): string => printed.find((l) => l.startsWith(`${name}=`))!.slice(name.length + 1);
    expect(setting('AUTH_MODE')).toBe('jwt');
    expect((await stat(join(dir, 'signing-key.jwk.json'))).mode & 0o777).toBe(0o600);
    const jwks = JSON.parse(await readFile(setting('JWT_JWKS_FILE'), 'utf8')) as { keys: Record<string, unknown>[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).not.toHaveProperty('d'); // the public half only

    const verifier = new JwtVerifier({
      jwksFile: setting('JWT_JWKS_FILE'),
      jwksUrl: null,
      issuer: setting('JWT_ISSUER'),
      audience: setting('JWT_AUDIENCE'),
      clockToleranceSeconds: 30,
    });
    const callers = [
      { role: 'clinic', org: '12440300MB1B2345QN', province: '440000' },
      { role: 'regulator', org: '12110000450712347E', province: '000000' },
      { role: 'manufacturer', org: '91320000MA1X0Y2W3E', province: '320000' },
    ];
    for (const c of callers) {
      const out: string[] = [];
      await runJwtCommand(['token', '--dir', dir, '--role', c.role, '--org', c.org, '--province', c.province], (l) => out.push(l));
      expect(out).toHaveLength(1);
      expect(await verifier.verify(out[0]!)).toEqual({
        actor: { orgCode: c.org, role: c.role, provinceCode: c.province, siteCode: c.org },
      });
    }
  });

  it('says what is wrong with a bad call', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vx-jwt-'));
    await expect(runJwtCommand(['token', '--dir', dir, '--role', 'clinic', '--org', 'X'], () => undefined)).rejects.toThrow(
      'no local signing key',
    );
    await expect(runJwtCommand(['token', '--role', 'nurse', '--org', 'X'], () => undefined)).rejects.toBeInstanceOf(JwtUsageError);
    await expect(runJwtCommand(['init', '--colour', 'red'], () => undefined)).rejects.toBeInstanceOf(JwtUsageError);
    await expect(runJwtCommand(['rotate'], () => undefined)).rejects.toThrow('unknown jwt command: rotate');
  });
});
