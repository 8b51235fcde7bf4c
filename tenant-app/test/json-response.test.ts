import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import http from 'node:http';
import express, { type Express } from 'express';
import { leanJson } from '../src/http/json-response';

/** The app's res.json() must answer byte for byte as Express's (docs/request-path.md, Routing). */
describe('tenant app: res.json() without res.send()', () => {
  const servers: http.Server[] = [];
  let lean: string;
  let plain: string;

  const build = (withLean: boolean): Express => {
    const app = express();
    app.disable('x-powered-by');
    app.set('etag', false);
    if (withLean) leanJson(app);
    app.get('/object', (_req, res) => {
      res.json({ success: true, data: { name: 'Kindergarten é 幼儿园', n: 1, none: null } });
    });
    app.post('/created', (_req, res) => {
      res.status(201).json({ success: true, data: { id: 5 } });
    });
    app.get('/empty', (_req, res) => {
      res.status(204).json({ ignored: true });
    });
    app.get('/typed', (_req, res) => {
      res.type('application/problem+json').json({ title: 'typed' });
    });
    app.get('/undefined', (_req, res) => {
      res.json(undefined);
    });
    app.get('/tagged', (_req, res) => {
      res.setHeader('ETag', '"v1"');
      res.json({ tagged: true });
    });
    return app;
  };
  const start = async (app: Express) => {
    const server = http.createServer(app);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  const answer = async (base: string, path: string, init?: RequestInit) => {
    const res = await fetch(`${base}${path}`, init);
    const headers = Object.fromEntries([...res.headers].filter(([name]) => name !== 'date'));
    return { status: res.status, headers, body: await res.text() };
  };

  before(async () => {
    lean = await start(build(true));
    plain = await start(build(false));
  });

  after(() => Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())))));

  const cases: Array<[string, string, RequestInit?]> = [
    ['an object (multi-byte characters)', '/object'],
    ['an object to HEAD', '/object', { method: 'HEAD' }],
    ['an object with status 201', '/created', { method: 'POST' }],
    ['a 204', '/empty'],
    ['a preset content type', '/typed'],
    ['undefined', '/undefined'],
    ['an answer with an ETag, to a conditional request', '/tagged', { headers: { 'if-none-match': '"v1"' } }],
  ];
  for (const [what, path, init] of cases) {
    it(`when ${what} is answered, then status, headers and body are Express's`, async () => {
      const got = await answer(lean, path, init);
      assert.deepEqual(got, await answer(plain, path, init));
      if (path === '/object' && !init) {
        assert.equal(got.headers['content-type'], 'application/json; charset=utf-8');
        assert.equal(Number(got.headers['content-length']), Buffer.byteLength(got.body));
      }
    });
  }

  it('when the app has a JSON setting Express would apply, then res.json() stays Express\'s', () => {
    const app = express();
    app.set('json spaces', 2);
    const before = app.response.json;
    leanJson(app);
    assert.equal(app.response.json, before);
  });
});
