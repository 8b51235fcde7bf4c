import fs from 'node:fs';
import path from 'node:path';
import express, { Router } from 'express';
import { STAFF_APP_DIR } from '../internal/paths';

const IMMUTABLE = 'public, max-age=31536000, immutable';
/**
 * The page's policy instead of the API's `default-src 'none'`: its own scripts and styles (Element
 * Plus sets inline styles), images and PDF previews from blob: URLs the app makes from downloads.
 */
const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "frame-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Serves the built staff app at `/` of every tenant subdomain (docs/staff-app.md, Serving): hashed
 * files under /assets/ are cached for a year, index.html is revalidated on every load, and any
 * other non-API path answers index.html so the app's router handles deep links. Mounted after the
 * tenant API's dispatcher, so an API request never meets it; paths under /api/ are never answered
 * here. Without a build, `/` says how to build it and the API works as before.
 */
export function staffAppRoutes(dir: string = STAFF_APP_DIR): Router {
  const router = Router();
  const indexFile = path.join(dir, 'index.html');
  const statics = express.static(dir, {
    index: false,
    redirect: false,
    setHeaders(res, file) {
      res.setHeader('Cache-Control', file.includes(`${path.sep}assets${path.sep}`) ? IMMUTABLE : 'no-cache');
    },
  });
  router.use((req, res, next) => {
    if (req.path.startsWith('/api/') || req.path === '/api' || req.path === '/metrics') return next();
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    res.setHeader('Content-Security-Policy', PAGE_CSP);
    statics(req, res, () => {
      if (req.path.startsWith('/assets/')) {
        // A missing hashed asset is a 404, not the page: a stale tab must not parse HTML as a script.
        res.status(404).type('text/plain').send('Not found\n');
        return;
      }
      if (!fs.existsSync(indexFile)) {
        res.status(503).type('text/plain').send('The staff app is not built. Run `npm run build` (or `npm start`), then reload.\n');
        return;
      }
      // The page itself, not the API's no-store; the app shell is small and always revalidated.
      res.setHeader('Cache-Control', 'no-cache');
      res.sendFile(indexFile);
    });
  });
  return router;
}
