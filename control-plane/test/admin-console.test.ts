import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { listen } from '@kg/shared';
import { http } from '@kg/shared/testing';
import { adminConsoleRoutes } from '../src/http/admin-console';

/** Serves a fake console build from a temporary folder (the real one may not be built). */
async function serve(dir: string) {
  const app = express();
  app.use(adminConsoleRoutes(dir));
  return listen(app, 0, '127.0.0.1');
}

describe('control plane: serving the admin console at /admin/', () => {
  let dir: string;
  let server: Awaited<ReturnType<typeof serve>>;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'console-'));
    fs.mkdirSync(path.join(dir, 'assets'));
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><div id="app"></div>');
    fs.writeFileSync(path.join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
    server = await serve(dir);
  });
  after(async () => {
    await server?.close(500);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('when / is requested, then it redirects to /admin/', async () => {
    const res = await fetch(`${server.url}/`, { redirect: 'manual' });
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('location'), '/admin/');
  });

  it('when /admin/ or a deep link is requested, then index.html answers with no-cache', async () => {
    for (const p of ['/admin/', '/admin/tenants/k001/progress']) {
      const res = await http('GET', `${server.url}${p}`);
      assert.equal(res.status, 200, p);
      assert.match(String(res.body), /<div id="app">/);
      assert.equal(res.headers.get('cache-control'), 'no-cache');
    }
  });

  it('when a hashed asset is requested, then it is cached for a year; a missing one is 404, not the page', async () => {
    const res = await http('GET', `${server.url}/admin/assets/index-abc123.js`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    const missing = await http('GET', `${server.url}/admin/assets/gone-000.js`);
    assert.equal(missing.status, 404);
    assert.doesNotMatch(String(missing.body), /id="app"/);
  });

  it('when the console is not built, then /admin/ says how to build it with 503', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'console-empty-'));
    const bare = await serve(empty);
    try {
      const res = await http('GET', `${bare.url}/admin/`);
      assert.equal(res.status, 503);
      assert.match(String(res.body), /npm run build/);
    } finally {
      await bare.close(500);
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});
