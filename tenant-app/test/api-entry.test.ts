import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import http from 'node:http';
import express, { Router, type ErrorRequestHandler, type RequestHandler } from 'express';
import { collectionRoutes, installApiEntry } from '../src/http/api-entry';

/**
 * The tenant API's entry (docs/request-path.md, Routing) must answer exactly as Express's own
 * routers did: a small app with the same shape as createApp's (prelude, per-collection chain,
 * public routes, 404 and error renderer), served once through the entry.
 */
describe('tenant app: the API entry serves a collection as Express would', () => {
  let server: http.Server;
  let base: string;
  const seen: string[] = [];

  before(async () => {
    const app = express();
    app.disable('x-powered-by');
    const prelude: RequestHandler[] = [
      (req, res, next) => {
        res.setHeader('x-prelude', 'yes');
        seen.push(`prelude ${req.method} ${req.originalUrl} ${req.baseUrl === '' ? 'root' : req.baseUrl}`);
        next();
      },
    ];
    const scope: RequestHandler = (req, _res, next) => {
      if (req.headers['x-refuse'] === 'yes') return next(Object.assign(new Error('refused'), { status: 403 }));
      next();
    };
    const router = Router();
    router.get('/api/things/special', (_req, _res, next) => next('route'));
    router.get('/api/things/:id', (req, res) => {
      res.json({ id: req.params.id, route: req.route?.path, locals: typeof res.locals, prelude: res.getHeader('x-prelude') });
    });
    router.post('/api/things', async () => {
      throw Object.assign(new Error('rejected'), { status: 409 });
    });
    router.delete('/api/things/:id', (req, res) => {
      res.json({ deleted: req.params.id });
    });
    const notFound: RequestHandler = (req, _res, next) => next(Object.assign(new Error(`No route for ${req.method} ${req.path}`), { status: 404 }));
    const onError: ErrorRequestHandler = (err: { status?: number; message: string }, _req, res, _next) => {
      res.status(err.status ?? 500).json({ error: err.message });
    };
    app.use((req, res, next) => prelude[0]!(req, res, next));
    app.use((req, res, next) => {
      if (!req.path.startsWith('/api/things')) return next();
      seen.push(`express ${req.method} ${req.originalUrl}`);
      scope(req, res, (err?: unknown) => (err ? next(err) : router(req, res, next)));
    });
    app.get('/api/public', (_req, res) => {
      res.json({ public: true });
    });
    app.use(notFound);
    app.use(onError);
    const routes = collectionRoutes([router]);
    installApiEntry(app, { prelude, collections: new Map([['things', { read: [scope, routes], write: [scope, routes] }]]), notFound, onError });
    server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('when a route of a known collection is asked for, then its handler gets the params, the route, res.locals and the prelude', async () => {
    const res = await fetch(`${base}/api/things/7?x=1`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { id: '7', route: '/api/things/:id', locals: 'object', prelude: 'yes' });
    assert.ok(seen.includes('prelude GET /api/things/7?x=1 root'));
    assert.ok(!seen.some((s) => s.startsWith('express GET')), 'served by the entry, not by the app router');
  });

  it("when a handler passes with next('route'), then the next matching route answers", async () => {
    const res = await fetch(`${base}/api/things/special`);
    assert.deepEqual(await res.json(), { id: 'special', route: '/api/things/:id', locals: 'object', prelude: 'yes' });
  });

  it('when HEAD is asked, then the GET route answers without a body', async () => {
    const res = await fetch(`${base}/api/things/7`, { method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(await res.text(), '');
  });

  it('when a handler rejects or the scope refuses, then the error renderer answers', async () => {
    const rejected = await fetch(`${base}/api/things`, { method: 'POST' });
    assert.equal(rejected.status, 409);
    assert.deepEqual(await rejected.json(), { error: 'rejected' });
    const refused = await fetch(`${base}/api/things/7`, { headers: { 'x-refuse': 'yes' } });
    assert.equal(refused.status, 403);
    assert.equal(refused.headers.get('x-prelude'), 'yes');
  });

  it('when no route of the collection matches the path or method, then 404 from the not-found handler', async () => {
    const path = await fetch(`${base}/api/things/7/more`);
    assert.equal(path.status, 404);
    assert.deepEqual(await path.json(), { error: 'No route for GET /api/things/7/more' });
    const method = await fetch(`${base}/api/things/7`, { method: 'PUT' });
    assert.equal(method.status, 404);
  });

  it('when a parameter is not valid percent-encoding, then 400 as from the router package', async () => {
    const res = await fetch(`${base}/api/things/%E0%A4%A`);
    assert.equal(res.status, 400);
  });

  it("when OPTIONS or another path is asked, then Express's routers answer as before", async () => {
    const options = await fetch(`${base}/api/things/7`, { method: 'OPTIONS' });
    assert.equal(options.status, 200);
    assert.equal(options.headers.get('allow'), 'DELETE, GET, HEAD');
    assert.ok(seen.includes('express OPTIONS /api/things/7'));
    const pub = await fetch(`${base}/api/public`);
    assert.deepEqual(await pub.json(), { public: true });
    assert.equal(pub.headers.get('x-prelude'), 'yes');
    const none = await fetch(`${base}/api/nothing`);
    assert.equal(none.status, 404);
  });
});
