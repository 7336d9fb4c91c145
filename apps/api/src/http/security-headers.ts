import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';
import type { OidcSettings } from '@vaxledger/config';

/**
 * The identity provider's origins the console's browser code must reach (discovery document
 * and token endpoint, OpenID Connect with PKCE); none without OIDC sign-in.
 */
export const identityProviderOrigins = (oidc: OidcSettings | null): string[] => {
  if (!oidc) return [];
  const urls = [oidc.issuer, oidc.tokenEndpoint].filter((u): u is string => Boolean(u));
  return [...new Set(urls.map((u) => new URL(u).origin))];
};

/**
 * Response headers that close the browser-side doors: the API answers JSON and serves only its
 * own OpenAPI page, so nothing may be framed, sniffed, loaded from elsewhere or sent to
 * another origin in a Referer. HSTS tells browsers to use HTTPS only (TLS ends at the ingress).
 * Answers under /v1 may hold personal data, so no cache (browser or proxy) keeps them.
 * `connectTo`: other origins the console may call (the identity provider's, see above).
 */
export const securityHeaders = (connectTo: readonly string[] = []): RequestHandler[] => [
  helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        // Swagger UI (/docs) loads its own script files and sets inline styles.
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'", ...connectTo],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
    frameguard: { action: 'deny' },
  }),
  (req: Request, res: Response, next: NextFunction) => {
    if (req.path.startsWith('/v1/')) res.setHeader('Cache-Control', 'no-store');
    next();
  },
];
