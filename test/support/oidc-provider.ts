import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';

/**
 * A small OpenID Connect provider for the browser tests: discovery, a sign-in page, the
 * authorization code flow with PKCE (S256 only; the verifier is checked against the challenge
 * at the token endpoint, each code once), ES256 access and ID tokens from a key published at
 * /jwks, which the node under test trusts (JWT_JWKS_URL). Not a real provider: the sign-in
 * page signs in whoever `user` names, at the press of a button.
 */
export interface TestOidcProvider {
  readonly issuer: string;
  readonly clientId: string;
  readonly audience: string;
  /** Settings that make a node trust this provider's tokens and sign its console in with it. */
  readonly env: Record<string, string>;
  /** The claims of whoever signs in next (`org`, `role`, `province`…). */
  user: JWTPayload & { sub: string };
  /** Lifetime of the next tokens issued, in seconds. */
  tokenSeconds: number;
  /** The `aud` of the next access tokens (default: the node's JWT_AUDIENCE). */
  accessAudience: string;
  /** Every code exchange tried at the token endpoint, and whether the PKCE verifier matched. */
  readonly exchanges: { readonly verifierMatched: boolean; readonly issued: boolean }[];
  /** How many times the sign-in page was shown. */
  signInPages: number;
  close(): Promise<void>;
}

interface PendingCode {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly challenge: string;
  readonly nonce: string | undefined;
  readonly scope: string;
  readonly user: JWTPayload & { sub: string };
}

const S256 = (verifier: string): string => createHash('sha256').update(verifier).digest('base64url');
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

const readBody = async (req: IncomingMessage): Promise<URLSearchParams> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
};

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export const startTestOidcProvider = async (options: { clientId?: string; audience?: string } = {}): Promise<TestOidcProvider> => {
  const clientId = options.clientId ?? 'vaxledger-console';
  const audience = options.audience ?? 'vaxledger-api';
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = `es256-${randomBytes(4).toString('hex')}`;
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  const requests = new Map<string, URLSearchParams>();
  const codes = new Map<string, PendingCode>();
  let issuer = '';

  const json = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'Access-Control-Allow-Origin': '*' });
    res.end(JSON.stringify(body));
  };
  const sign = (claims: JWTPayload, aud: string, seconds: number): Promise<string> => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
      .setIssuer(issuer)
      .setAudience(aud)
      .setIssuedAt(now)
      .setExpirationTime(now + seconds)
      .sign(privateKey);
  };

  const authorize = (url: URL, res: ServerResponse): void => {
    const q = url.searchParams;
    const problem =
      q.get('response_type') !== 'code'
        ? 'response_type must be code'
        : q.get('client_id') !== clientId
          ? 'unknown client'
          : !q.get('redirect_uri')
            ? 'redirect_uri missing'
            : q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge')
              ? 'PKCE with S256 is required'
              : null;
    if (problem) {
      res.writeHead(400, { 'Content-Type': 'text/plain' }).end(problem);
      return;
    }
    const id = randomBytes(12).toString('base64url');
    requests.set(id, q);
    provider.signInPages += 1;
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="en"><head><title>Test identity provider</title></head><body><main>
<h1>Test identity provider</h1><p>Sign in to ${escapeHtml(clientId)} as ${escapeHtml(String(provider.user.sub))}</p>
<form method="post" action="/authorize/approve"><input type="hidden" name="request" value="${id}">
<button type="submit">Sign in</button></form></main></body></html>`);
  };

  const approve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const q = requests.get((await readBody(req)).get('request') ?? '');
    if (!q) {
      res.writeHead(400, { 'Content-Type': 'text/plain' }).end('unknown request');
      return;
    }
    const code = randomBytes(24).toString('base64url');
    codes.set(code, {
      clientId,
      redirectUri: q.get('redirect_uri')!,
      challenge: q.get('code_challenge')!,
      nonce: q.get('nonce') ?? undefined,
      scope: q.get('scope') ?? 'openid',
      user: { ...provider.user },
    });
    const back = new URL(q.get('redirect_uri')!);
    back.searchParams.set('code', code);
    if (q.get('state')) back.searchParams.set('state', q.get('state')!);
    res.writeHead(302, { Location: back.toString() }).end();
  };

  const token = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    const code = body.get('code') ?? '';
    const pending = codes.get(code);
    codes.delete(code); // a code is good for one exchange, whatever its outcome
    if (body.get('grant_type') !== 'authorization_code' || !pending) return json(res, 400, { error: 'invalid_grant' });
    if (body.get('client_id') !== pending.clientId || body.get('redirect_uri') !== pending.redirectUri)
      return json(res, 400, { error: 'invalid_grant', error_description: 'client or redirect_uri differs from the authorization request' });
    const verifier = body.get('code_verifier') ?? '';
    const verifierMatched = VERIFIER.test(verifier) && S256(verifier) === pending.challenge;
    provider.exchanges.push({ verifierMatched, issued: verifierMatched });
    if (!verifierMatched) return json(res, 400, { error: 'invalid_grant', error_description: 'code_verifier does not match' });
    const seconds = provider.tokenSeconds;
    const { sub, ...claims } = pending.user;
    json(res, 200, {
      token_type: 'Bearer',
      expires_in: seconds,
      scope: pending.scope,
      access_token: await sign({ ...claims, sub, scope: pending.scope }, provider.accessAudience, seconds),
      id_token: await sign({ sub, ...(pending.nonce ? { nonce: pending.nonce } : {}) }, pending.clientId, seconds),
    });
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    const route = `${req.method} ${url.pathname}`;
    const handle = async (): Promise<void> => {
      if (req.method === 'OPTIONS') {
        res.writeHead(204, {
          'Access-Control-Allow-Origin': '*',
          'Access-Control-Allow-Methods': 'GET, POST',
          'Access-Control-Allow-Headers': 'Content-Type, Authorization',
        });
        return void res.end();
      }
      if (route === 'GET /.well-known/openid-configuration')
        return json(res, 200, {
          issuer,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/token`,
          jwks_uri: `${issuer}/jwks`,
          response_types_supported: ['code'],
          grant_types_supported: ['authorization_code'],
          code_challenge_methods_supported: ['S256'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['ES256'],
          token_endpoint_auth_methods_supported: ['none'],
        });
      if (route === 'GET /jwks') return json(res, 200, { keys: [jwk] });
      if (route === 'GET /authorize') return authorize(url, res);
      if (route === 'POST /authorize/approve') return approve(req, res);
      if (route === 'POST /token') return token(req, res);
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
    };
    handle().catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const provider: TestOidcProvider = {
    issuer,
    clientId,
    audience,
    env: {
      AUTH_MODE: 'jwt',
      JWT_JWKS_URL: `${issuer}/jwks`,
      JWT_ISSUER: issuer,
      JWT_AUDIENCE: audience,
      OIDC_CLIENT_ID: clientId,
    },
    user: { sub: 'nobody' },
    tokenSeconds: 300,
    accessAudience: audience,
    exchanges: [],
    signInPages: 0,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return provider;
};
