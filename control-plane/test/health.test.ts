import assert from 'node:assert/strict';
import { TcpProxy, http, testMysqlTarget } from '@kg/shared/testing';
import { startControlPlane, type TestControlPlane } from './helpers/harness';

describe('control plane: health, metrics, JWKS, OpenAPI, envelope', () => {
  let cp: TestControlPlane;
  before(async () => {
    cp = await startControlPlane('health');
  });
  after(async () => {
    await cp?.close();
  });

  it('when MySQL and Redis are up, then /api/health answers 200 with both up', async () => {
    const res = await http('GET', `${cp.url}/api/health`);
    assert.equal(res.status, 200);
    assert.equal(res.body.success, true);
    assert.equal(res.body.data.mysql.status, 'up');
    assert.equal(res.body.data.redis.status, 'up');
  });

  it("when any request is made, then it carries a server-generated request id (the client's one echoed apart) and security headers", async () => {
    const res = await http('GET', `${cp.url}/api/health`, { headers: { 'x-request-id': 'req-abc-123' } });
    assert.match(res.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(res.headers.get('x-client-request-id'), 'req-abc-123');
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.ok(res.headers.get('content-security-policy'));
    assert.equal(res.headers.get('x-powered-by'), null);
    const generated = await http('GET', `${cp.url}/api/health`);
    assert.match(generated.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });

  it('when a route does not exist, then the error envelope says NOT_FOUND', async () => {
    const res = await http('GET', `${cp.url}/api/nope`);
    assert.equal(res.status, 404);
    assert.deepEqual(Object.keys(res.body).sort(), ['error', 'success']);
    assert.equal(res.body.success, false);
    assert.equal(res.body.error.code, 'NOT_FOUND');
  });

  it('when the body is not JSON, then 400 BAD_REQUEST in the envelope', async () => {
    const res = await http('POST', `${cp.url}/api/admin/auth/login`, {
      body: '{"username": nope',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'BAD_REQUEST');
  });

  it('when /metrics is scraped, then it exposes Prometheus text with request latency', async () => {
    await http('GET', `${cp.url}/api/health`);
    const res = await fetch(`${cp.url}/metrics`);
    const text = await res.text();
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
    assert.match(text, /http_request_duration_seconds_bucket\{.*route="\/api\/health"/);
    assert.match(text, /process_resident_memory_bytes/);
  });

  it('when the JWKS is fetched, then it lists an RS256 signing key with a kid', async () => {
    const res = await http('GET', `${cp.url}/.well-known/jwks.json`);
    assert.equal(res.status, 200);
    assert.ok(res.body.keys.length >= 1);
    const key = res.body.keys[0];
    assert.equal(key.kty, 'RSA');
    assert.equal(key.alg, 'RS256');
    assert.ok(key.kid);
    assert.ok(key.n && key.e);
    assert.equal(key.d, undefined, 'private part must never be published');
  });

  it('when the OpenAPI document is fetched, then every mounted route is documented', async () => {
    const res = await http('GET', `${cp.url}/api/openapi.json`);
    assert.equal(res.status, 200);
    assert.equal(res.body.openapi, '3.1.0');
    const documented = new Set<string>();
    for (const [p, ops] of Object.entries(res.body.paths as Record<string, Record<string, unknown>>)) {
      for (const method of Object.keys(ops)) documented.add(`${method.toUpperCase()} ${p.replace(/\{(\w+)\}/g, ':$1')}`);
    }
    const { routeModules } = await import('../src/http/app');
    const mounted: string[] = [];
    for (const mount of routeModules()) {
      const router = mount(cp.ctx) as unknown as { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> };
      for (const layer of router.stack) {
        if (!layer.route) continue;
        for (const m of Object.keys(layer.route.methods)) mounted.push(`${m.toUpperCase()} ${layer.route.path}`);
      }
    }
    assert.ok(mounted.length > 0);
    const missing = mounted.filter((r) => !documented.has(r));
    assert.deepEqual(missing, [], `undocumented routes: ${missing.join(', ')}`);
  });
});

describe('control plane: MySQL or Redis down -> 503', () => {
  let cp: TestControlPlane;
  let mysqlProxy: TcpProxy;
  let redisProxy: TcpProxy;
  before(async () => {
    const target = testMysqlTarget();
    mysqlProxy = new TcpProxy(target.host, target.port);
    redisProxy = new TcpProxy('127.0.0.1', 6379);
    await mysqlProxy.start();
    await redisProxy.start();
    cp = await startControlPlane('down', {
      MYSQL_HOST: '127.0.0.1',
      MYSQL_PORT: String(mysqlProxy.port),
      REDIS_URL: `redis://127.0.0.1:${redisProxy.port}`,
    });
  });
  after(async () => {
    await cp?.close();
    await mysqlProxy?.stop();
    await redisProxy?.stop();
  });

  it('when MySQL goes down, then health and a database-backed route answer 503, and recover', async () => {
    mysqlProxy.pause();
    const health = await http('GET', `${cp.url}/api/health`);
    assert.equal(health.status, 503);
    assert.equal(health.body.error.code, 'SERVICE_UNAVAILABLE');
    assert.equal(health.body.error.details.mysql.status, 'down');
    assert.equal(health.body.error.details.redis.status, 'up');
    // Public answer: our own reason, no driver text naming hosts or ports.
    assert.ok(['timeout', 'unreachable'].includes(health.body.error.details.mysql.error), health.body.error.details.mysql.error);
    assert.ok(!JSON.stringify(health.body).includes(String(mysqlProxy.port)), 'no port in the health answer');
    const login = await http('POST', `${cp.url}/api/admin/auth/login`, { body: { username: 'x', password: 'abcdefg1' } });
    assert.equal(login.status, 503);
    assert.equal(login.body.error.code, 'SERVICE_UNAVAILABLE');
    mysqlProxy.resume();
    let status = 0;
    for (let i = 0; i < 20 && status !== 200; i++) {
      status = (await http('GET', `${cp.url}/api/health`)).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(status, 200);
  });

  it('when Redis goes down, then health answers 503 naming Redis', async () => {
    redisProxy.pause();
    await new Promise((r) => setTimeout(r, 100));
    const health = await http('GET', `${cp.url}/api/health`);
    assert.equal(health.status, 503);
    assert.equal(health.body.error.details.redis.status, 'down');
    redisProxy.resume();
  });
});
