import fs from 'node:fs';
import path from 'node:path';
import express, { Router, type Response } from 'express';
import { ADMIN_CONSOLE_DIR } from '../internal/paths';

const IMMUTABLE = 'public, max-age=31536000, immutable';

function sendIndex(res: Response, indexFile: string): void {
  res.setHeader('Cache-Control', 'no-cache');
  res.sendFile(indexFile);
}

/**
 * Serves the built admin console at /admin/ (docs/console.md, Serving): hashed files under
 * assets/ are cached for a year, index.html is revalidated on every load, and any other path
 * under /admin/ answers index.html so the console's router handles deep links. `/` redirects
 * to /admin/. Without a build the API keeps working and /admin/ says how to build it.
 */
export function adminConsoleRoutes(dir: string = ADMIN_CONSOLE_DIR): Router {
  const router = Router();
  const indexFile = path.join(dir, 'index.html');
  router.get('/', (_req, res) => res.redirect(302, '/admin/'));
  router.get(/^\/admin$/, (_req, res) => res.redirect(301, '/admin/'));
  router.use(
    '/admin',
    express.static(dir, {
      index: false,
      redirect: false,
      setHeaders(res, file) {
        res.setHeader('Cache-Control', file.includes(`${path.sep}assets${path.sep}`) ? IMMUTABLE : 'no-cache');
      },
    }),
  );
  router.get(/^\/admin(\/.*)?$/, (req, res) => {
    if (!fs.existsSync(indexFile)) {
      res.status(503).type('text/plain').send('The admin console is not built. Run `npm run build` (or `npm start`), then reload.\n');
      return;
    }
    // A missing hashed asset is a 404, not the page: a stale tab must not parse HTML as a script.
    if (req.path.startsWith('/admin/assets/')) {
      res.status(404).type('text/plain').send('Not found\n');
      return;
    }
    sendIndex(res, indexFile);
  });
  return router;
}
