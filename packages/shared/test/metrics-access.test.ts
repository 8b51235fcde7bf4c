import assert from 'node:assert/strict';
import express from 'express';
import { createMetrics, listen, metricsAccess, type RunningServer } from '../src';

describe('/metrics access (metricsAccess)', () => {
  let server: RunningServer;
  const start = async (opts: { production: boolean; token?: string }) => {
    const metrics = createMetrics('access-test');
    metrics.useGuard(metricsAccess(opts));
    const app = express();
    app.use(metrics.router);
    server = await listen(app, 0, '127.0.0.1');
    return (headers: Record<string, string> = {}) => fetch(`${server.url}/metrics`, { headers }).then((r) => r.status);
  };
  afterEach(async () => server?.close(100));

  it('when production serves /metrics, then a direct loopback scrape is answered and one relayed by a proxy is not', async () => {
    const get = await start({ production: true });
    assert.equal(await get(), 200);
    assert.equal(await get({ 'x-forwarded-for': '203.0.113.9' }), 404);
  });

  it('when a METRICS_TOKEN is set, then the right bearer token passes through a proxy and a wrong one is refused', async () => {
    const get = await start({ production: true, token: 's3cret-token' });
    assert.equal(await get({ 'x-forwarded-for': '203.0.113.9', authorization: 'Bearer s3cret-token' }), 200);
    assert.equal(await get({ 'x-forwarded-for': '203.0.113.9', authorization: 'Bearer wrong' }), 404);
  });
});
