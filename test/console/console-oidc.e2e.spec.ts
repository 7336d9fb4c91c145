import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ORGS, startApi, type ApiHarness } from '../support/api-harness';
import { startTestOidcProvider, type TestOidcProvider } from '../support/oidc-provider';
import { until } from '../support/until';
import { ensureConsoleBuilt, expectAccessible, launchChromium, residentId } from './browser';

/**
 * The console on a node with AUTH_MODE=jwt, in a real browser: it signs in with the identity
 * provider (OpenID Connect authorization code flow with PKCE, against a small provider in the
 * test whose ES256 keys the node trusts), sends the bearer token to /v1, and when the API
 * refuses an expired token it brings the sign-in back and keeps what was typed.
 */
jest.setTimeout(90_000);

let idp: TestOidcProvider;
let api: ApiHarness;
let base: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const bearerSeen: string[] = [];
const refused: string[] = [];

const NURSE = { sub: 'nurse-li', org: ORGS.clinic, role: 'clinic', province: '440000' };

beforeAll(async () => {
  ensureConsoleBuilt();
  idp = await startTestOidcProvider();
  idp.user = NURSE;
  browser = await launchChromium();
  // No clock tolerance: a token is refused the second it expires.
  api = await startApi({ ...idp.env, JWT_CLOCK_TOLERANCE_S: '0' });
  const server = api.app.getHttpServer() as Server;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('request', (request) => {
    if (new URL(request.url()).pathname.startsWith('/v1/')) bearerSeen.push(request.headers().authorization ?? '');
  });
  page.on('response', (response) => {
    if (response.status() === 401) refused.push(new URL(response.url()).pathname);
  });
}, 120_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await api?.close();
  await idp?.close();
});

/** From the console's sign-in page through the provider's page and back, signed in. */
const signInAtProvider = async (): Promise<void> => {
  await page.getByRole('heading', { name: 'Test identity provider' }).waitFor();
  const authorize = new URL(page.url());
  expect(`${authorize.origin}${authorize.pathname}`).toBe(`${idp.issuer}/authorize`);
  expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
  expect(authorize.searchParams.get('client_id')).toBe(idp.clientId);
  await page.getByRole('button', { name: 'Sign in' }).click();
};

describe('console sign-in with the identity provider (AUTH_MODE=jwt)', () => {
  it('signs in with the authorization code flow and PKCE, and sends the bearer token to /v1', async () => {
    await page.goto(`${base}/console/`);
    await page.getByRole('button', { name: '通过统一身份认证登录' }).waitFor();
    // No role picker on a jwt node: nothing here lets a user choose whom to act as.
    await expect(page.getByText('开发模式').count()).resolves.toBe(0);
    await expectAccessible(page);
    await page.getByRole('button', { name: '通过统一身份认证登录' }).click();
    await signInAtProvider();

    await page.getByRole('heading', { name: '接种登记' }).waitFor();
    await page.getByText(`${ORGS.clinic} · 440000`).waitFor();
    // One exchange, and the provider found the verifier matching the challenge.
    expect(idp.exchanges).toEqual([{ verifierMatched: true, issued: true }]);
    // The dose screen read its site's stock with the token, which the API accepted.
    await until('a request to /v1', async () => bearerSeen.length > 0, 10_000);
    expect(bearerSeen.every((header) => /^Bearer [\w-]+\.[\w-]+\.[\w-]+$/.test(header))).toBe(true);
    expect(refused).toEqual([]);
  });

  it('tells the console its provider (nothing secret) and lets its pages reach that origin only, besides their own', async () => {
    const res = await fetch(`${base}/console/config.json`);
    await expect(res.json()).resolves.toEqual({
      authMode: 'jwt',
      provinceCode: '510000',
      oidc: {
        issuer: idp.issuer,
        authorizationEndpoint: null,
        tokenEndpoint: null,
        clientId: idp.clientId,
        scopes: 'openid',
        redirectUri: null,
      },
    });
    expect(res.headers.get('content-security-policy')).toContain(`connect-src 'self' ${idp.issuer};`);
  });

  it('the provider refuses a code whose verifier does not match its challenge (the check can fail)', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const redirect = `${base}/console/signin-callback`;
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: idp.clientId,
      redirect_uri: redirect,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: 's',
    });
    const signInPage = await (await fetch(`${idp.issuer}/authorize?${query}`)).text();
    const request = /name="request" value="([^"]+)"/.exec(signInPage)![1]!;
    const approved = await fetch(`${idp.issuer}/authorize/approve`, {
      method: 'POST',
      body: new URLSearchParams({ request }),
      redirect: 'manual',
    });
    const code = new URL(approved.headers.get('location')!).searchParams.get('code')!;
    const exchange = await fetch(`${idp.issuer}/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        client_id: idp.clientId,
        redirect_uri: redirect,
        code_verifier: randomBytes(32).toString('base64url'),
      }),
    });
    expect(exchange.status).toBe(400);
    expect(idp.exchanges.at(-1)).toEqual({ verifierMatched: false, issued: false });
  });

  it('an expired token brings the sign-in back, and what was typed is still there after it', async () => {
    // Sign in afresh with a token that lives a few seconds.
    idp.tokenSeconds = 4;
    await page.getByRole('button', { name: '退出' }).click();
    await page.getByRole('button', { name: '通过统一身份认证登录' }).click();
    await signInAtProvider();
    await page.getByRole('heading', { name: '接种登记' }).waitFor();
    const signedInAt = Date.now();

    const idNumber = residentId('440305', '1990-03-07', 31);
    await page.getByLabel('证件号码', { exact: true }).fill(idNumber);
    await page.getByLabel('姓名', { exact: true }).fill('王小明');
    await page.getByLabel('接种人员', { exact: true }).fill('V-0042');
    await page.waitForTimeout(Math.max(0, signedInAt + 5_000 - Date.now()));

    // The next call to the API is refused: the provider's sign-in page comes back.
    idp.tokenSeconds = 300;
    const pagesBefore = idp.signInPages;
    await page.getByLabel('证件号码', { exact: true }).press('Enter');
    await signInAtProvider();
    expect(idp.signInPages).toBe(pagesBefore + 1);
    expect(refused).toContain('/v1/persons/lookup');

    // Back on the dose screen, signed in again, with the form as it was.
    await page.getByRole('heading', { name: '接种登记' }).waitFor();
    await until(
      'the ID number back in its field',
      async () => (await page.getByLabel('证件号码', { exact: true }).inputValue()) !== '',
      5_000,
    ).catch(() => undefined);
    await expect(page.getByLabel('证件号码', { exact: true }).inputValue()).resolves.toBe(idNumber);
    await expect(page.getByLabel('姓名', { exact: true }).inputValue()).resolves.toBe('王小明');
    await expect(page.getByLabel('接种人员', { exact: true }).inputValue()).resolves.toBe('V-0042');
    // And the new token works: the look-up that was refused now goes through.
    await page.getByLabel('证件号码', { exact: true }).press('Enter');
    await page.getByTestId('person-record').waitFor();
    expect(idp.exchanges.filter((e) => e.issued)).toHaveLength(3);
  });

  it('a token the node refuses before it expires is explained on the sign-in page, not retried in a loop', async () => {
    idp.accessAudience = 'another-service';
    const pagesBefore = idp.signInPages;
    await page.getByRole('button', { name: '退出' }).click();
    await page.getByRole('button', { name: '通过统一身份认证登录' }).click();
    await signInAtProvider();
    await page
      .getByText('节点拒绝了身份提供方签发的令牌')
      .waitFor()
      .catch((error: unknown) => {
        // Say where the console was instead (seen once on a heavily loaded CI machine).
        throw new Error(`${String(error)}\nthe page was at ${page.url()}; provider sign-in pages: ${idp.signInPages - pagesBefore}`);
      });
    await page.waitForTimeout(1_000);
    expect(idp.signInPages).toBe(pagesBefore + 1);
    await expectAccessible(page);
    idp.accessAudience = idp.audience;
  });
});
