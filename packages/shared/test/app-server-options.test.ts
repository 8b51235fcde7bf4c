import assert from 'node:assert/strict';
import http from 'node:http';
import express from 'express';
import { appServerOptions, listen, type RunningServer } from '../src/http/server';

/**
 * Requests and responses created with the app's own prototypes (docs/request-path.md, Routing):
 * Express finds them already set up and behaves as with Node's own classes.
 */
describe('shared: an Express app served with appServerOptions()', () => {
  let server: RunningServer;
  const protos: Array<[boolean, boolean]> = [];
  const app = express();

  before(async () => {
    app.disable('x-powered-by');
    app.use((req, res, next) => {
      protos.push([Object.getPrototypeOf(req) === app.request, Object.getPrototypeOf(res) === app.response]);
      next();
    });
    app.get('/things/:id', (req, res) => {
      res.status(201).set('x-thing', req.params.id!).json({
        id: req.params.id,
        path: req.path,
        query: req.query,
        host: req.get('host')?.startsWith('127.0.0.1'),
        classes: [req instanceof http.IncomingMessage, res instanceof http.ServerResponse],
      });
    });
    app.post('/echo', express.json(), (req, res) => {
      res.json(req.body);
    });
    server = await listen(app, 0, '127.0.0.1', appServerOptions(app));
  });

  after(() => server.close());

  it("when a request arrives, then it and its response already have the app's prototypes and Express's API works", async () => {
    const res = await fetch(`${server.url}/things/7?x=1`);
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('x-thing'), '7');
    assert.deepEqual(await res.json(), { id: '7', path: '/things/7', query: { x: '1' }, host: true, classes: [true, true] });
    assert.deepEqual(protos.at(-1), [true, true]);
  });

  it('when a body is sent over a kept-alive connection, then it is parsed, and a missing route is a 404', async () => {
    const agent = new http.Agent({ keepAlive: true });
    const post = (body: string) =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = http.request(`${server.url}/echo`, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode!, text }));
        });
        req.on('error', reject);
        req.end(body);
      });
    assert.deepEqual(await post('{"a":1}'), { status: 200, text: '{"a":1}' });
    assert.deepEqual(await post('{"b":[2]}'), { status: 200, text: '{"b":[2]}' });
    agent.destroy();
    assert.equal((await fetch(`${server.url}/nothing`)).status, 404);
  });
});
