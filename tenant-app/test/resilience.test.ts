import assert from 'node:assert/strict';
import type { ResultSetHeader, RowDataPacket } from '@kg/shared';
import { TcpProxy, http, testMysqlTarget } from '@kg/shared/testing';
import { startTenantStack, tenantHeader, type TenantStack, type TestTenant, type TestUser } from './helpers/harness';

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('tenant app: a database server or Redis going down', function () {
  this.timeout(60_000);
  let stack: TenantStack;
  let mysqlProxy: TcpProxy;
  let redisProxy: TcpProxy;
  let onProxy: TestTenant;
  let direct: TestTenant;
  let userProxy: TestUser;
  let userDirect: TestUser;

  before(async () => {
    const target = testMysqlTarget();
    mysqlProxy = new TcpProxy(target.host, target.port);
    redisProxy = new TcpProxy('127.0.0.1', 6379);
    await mysqlProxy.start();
    await redisProxy.start();
    stack = await startTenantStack('resil', { REDIS_URL: `redis://127.0.0.1:${redisProxy.port}` });
    onProxy = await stack.createTenant('k401');
    direct = await stack.createTenant('k402');
    userProxy = await stack.addUser(onProxy, 'admin');
    userDirect = await stack.addUser(direct, 'admin');
    // A second database server (same MariaDB behind a proxy we can take down) holds k401.
    const [[local]] = await stack.cp.db.query<RowDataPacket[]>("SELECT username, secret_ref FROM database_servers WHERE name = 'local'");
    const [res] = await stack.cp.db.query<ResultSetHeader>(
      "INSERT INTO database_servers (name, host, port, username, secret_ref) VALUES ('proxied', '127.0.0.1', ?, ?, ?)",
      [mysqlProxy.port, local!.username, local!.secret_ref],
    );
    await stack.cp.db.query('UPDATE tenants SET db_server_id = ? WHERE tenant_id = ?', [res.insertId, onProxy.code]);
  });
  after(async () => {
    await stack?.close();
    await mysqlProxy?.stop();
    await redisProxy?.stop();
  });

  const classes = (t: TestTenant, u: TestUser) => http('GET', `${stack.url}/api/classes`, { headers: tenantHeader(t.code), token: u.token });

  it("when one tenant's database server is down, then its requests answer 503 and other servers' tenants are served", async () => {
    assert.equal((await classes(onProxy, userProxy)).status, 200);
    assert.equal(stack.ctx.budget.stats().servers >= 1, true);
    mysqlProxy.pause();
    try {
      const res = await classes(onProxy, userProxy);
      assert.equal(res.status, 503, JSON.stringify(res.body));
      assert.equal(res.body.error.code, 'SERVICE_UNAVAILABLE');
      assert.equal((await classes(direct, userDirect)).status, 200);
    } finally {
      mysqlProxy.resume();
    }
    await waitFor(async () => (await classes(onProxy, userProxy)).status === 200);
    const s = stack.ctx.budget.stats();
    assert.ok(s.open <= s.budget);
    assert.equal(s.busy, 0);
  });

  it('when Redis is down, then health says so and tokens are still checked against the revocation state from MySQL; both recover', async () => {
    assert.equal((await classes(direct, userDirect)).status, 200);
    redisProxy.pause();
    try {
      await new Promise((r) => setTimeout(r, 100));
      const health = await http('GET', `${stack.url}/api/health`);
      assert.equal(health.status, 503);
      assert.equal(health.body.error.details.redis.status, 'down');
      const fresh = stack.cp.ctx.tokens.signUser({ id: userDirect.globalUserId, phone: userDirect.phone }).token;
      // Revocations are held in memory and read from MySQL (docs/security.md), so Redis is not
      // needed to decide; one revoked while Redis is away is covered by test/security/sessions.redis-loss.
      const res = await http('GET', `${stack.url}/api/classes`, { headers: tenantHeader(direct.code), token: fresh });
      assert.equal(res.status, 200, JSON.stringify(res.body));
    } finally {
      redisProxy.resume();
    }
    await waitFor(async () => (await http('GET', `${stack.url}/api/health`)).status === 200, 10_000);
    // After the subscription is restored the tenant cache is dropped (messages may have been missed).
    await stack.setStatus(direct.code, 'suspended');
    await waitFor(async () => (await classes(direct, userDirect)).status === 403, 2000);
  });
});
