import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import express from 'express';
import type { Settings } from '@vaxledger/config';

/**
 * Where the built console is (`npm run build:console` writes it to dist/console): beside the
 * compiled API when running from dist, under the repository's dist when running from source.
 */
export const consoleAssetsDir = (): string | null => {
  const up = join(__dirname, '..', '..', '..', '..');
  const candidates = basename(up) === 'dist' ? [join(up, 'console')] : [join(up, 'dist', 'console')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? null;
};

/** What the console must know before sign-in; never a secret (the OIDC client is public, PKCE). */
export const consoleConfig = (settings: Settings): Record<string, unknown> => ({
  authMode: settings.authMode,
  provinceCode: settings.provinceCode,
  oidc: settings.authMode === 'jwt' && settings.oidc ? settings.oidc : null,
});

/**
 * Serves the web console at /console: hashed assets cached for long, index.html for every
 * console route (the console routes in the browser), and /console/config.json. The console is
 * a client of /v1 only; nothing here reads the store.
 */
export const consoleHandlers = (settings: Settings, dir: string | null = consoleAssetsDir()): RequestHandler[] => {
  const config = JSON.stringify(consoleConfig(settings));
  const missing = (_req: Request, res: Response): void => {
    res.status(503).type('text/plain').send('The console is not built: run `npm run build` (it runs build:console).\n');
  };
  const configHandler = (req: Request, res: Response, next: NextFunction): void => {
    if (req.path !== '/config.json') return next();
    res.setHeader('Cache-Control', 'no-store');
    res.type('application/json').send(config);
  };
  if (!dir) return [configHandler, missing];
  const index = join(dir, 'index.html');
  return [
    configHandler,
    express.static(dir, {
      index: false,
      setHeaders: (res, path) =>
        res.setHeader('Cache-Control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache'),
    }),
    (req: Request, res: Response, next: NextFunction) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') return next();
      if (/\.\w+$/.test(req.path)) return res.status(404).type('text/plain').send('Not found\n');
      res.setHeader('Cache-Control', 'no-cache');
      res.sendFile(index);
    },
  ];
};
