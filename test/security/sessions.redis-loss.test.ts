import assert from 'node:assert/strict';
import { createLogger, listen } from '@kg/shared';
import { http } from '@kg/shared/testing';
import { startTenantStack, tenantHeader, type TenantStack, type TestTenant } from '../../tenant-app/test/helpers/harness';
import { createApp } from '../../tenant-app/src/http/app';
import { buildContext, closeContext } from '../../tenant-app/src/internal/build-context';
import { PrivateRedis } from './helpers/private-redis';
import { setUserPassword, signIn, within } from './helpers/sessions';

/**
 * Finding 9: a user logged out, then Redis restarted without its data, and the logged-out access
 * token worked again until its expiry. Revocations now live in MySQL; Redis only announces them.
 * This file runs its own redis-server and loses its data on purpose.
 */
describe('security: sessions — revocations survive the loss of Redis', function () {
  this.timeout(120_000);
  let redis: PrivateRedis;
  let stack: TenantStack;
  let tenant: TestTenant;
  const savedRedisUrl = process.env.REDIS_URL;
  const PASSWORD = 'garden2024pass';

  before(async () => {
    redis = await PrivateRedis.start();
    process.env.REDIS_URL = redis.url; // the harness and its cleanup read it
    stack = await startTenantStack('secredis');
    tenant = await stack.createTenant('k9601');
  });
  after(async () => {
    await stack?.close();
    await redis?.stop();
    if (savedRedisUrl === undefined) delete process.env.REDIS_URL;
    else process.env.REDIS_URL = savedRedisUrl;
  });

  const cpMe = (token: string) => http('GET', `${stack.cp.url}/api/auth/me`, { token });
  const inTenant = (url: string, token: string) => http('GET', `${url}/api/me`, { token, headers: tenantHeader(tenant.code) });

  it('when Redis restarts empty after a logout and a password change, then the revoked tokens stay refused everywhere', async () => {
    // A signed-out tenant-scoped session, and a user whose password changed.
    const a = await stack.addUser(tenant, 'teacher');
    await setUserPassword(stack.cp.db, a.globalUserId, PASSWORD);
    const loginA = await signIn(stack.cp.url, a.phone, PASSWORD);
    const scopedA = (await http('POST', `${stack.cp.url}/api/auth/switch-tenant`, { token: loginA.token, body: { tenantCode: tenant.code } })).body.data;
    const b = await stack.addUser(tenant, 'teacher');
    await setUserPassword(stack.cp.db, b.globalUserId, PASSWORD);
    const loginB = await signIn(stack.cp.url, b.phone, PASSWORD);
    const survivor = await stack.addUser(tenant, 'teacher');
    await setUserPassword(stack.cp.db, survivor.globalUserId, PASSWORD);
    const loginSurvivor = await signIn(stack.cp.url, survivor.phone, PASSWORD);
    for (const token of [scopedA.token, loginB.token, loginSurvivor.token]) assert.equal((await inTenant(stack.url, token)).status, 200);

    assert.equal((await http('POST', `${stack.cp.url}/api/auth/logout`, { token: loginA.token, body: { refreshToken: loginA.refreshToken } })).status, 200);
    const change = await http('POST', `${stack.cp.url}/api/auth/change-password`, {
      token: loginB.token,
      body: { currentPassword: PASSWORD, newPassword: 'n3wGardenPass' },
    });
    assert.equal(change.status, 200);
    const revoked = [scopedA.token, loginA.token, loginB.token];
    for (const token of revoked) assert.equal((await inTenant(stack.url, token)).status, 401);

    const loadsBefore = { cp: stack.cp.ctx.revocations.loads, ta: stack.ctx.revocations.loads };
    await redis.restartEmpty();
    assert.equal(await redis.dbsize(), 0, 'Redis lost everything');
    // Both processes reconnect and read the record again.
    await within(15_000, async () => stack.cp.ctx.revocations.loads > loadsBefore.cp && stack.ctx.revocations.loads > loadsBefore.ta);

    for (const token of revoked) {
      const inApp = await inTenant(stack.url, token);
      assert.equal(inApp.status, 401, 'tenant app after the loss');
      assert.equal(inApp.body.error.code, 'TOKEN_REVOKED');
      assert.equal((await cpMe(token)).status, 401, 'control plane after the loss');
    }
    assert.equal((await http('POST', `${stack.cp.url}/api/auth/refresh`, { body: { refreshToken: scopedA.refreshToken } })).status, 401);
    assert.equal((await inTenant(stack.url, loginSurvivor.token)).status, 200, 'what was never revoked still works');

    // A tenant-app instance started after the loss has no memory of the announcements at all.
    const late = await buildContext(stack.config, createLogger('late-tenant-app', 'silent'));
    const server = await listen(createApp(late), 0, '127.0.0.1');
    try {
      for (const token of revoked) assert.equal((await inTenant(server.url, token)).status, 401, 'new instance');
      assert.equal((await inTenant(server.url, loginSurvivor.token)).status, 200);
    } finally {
      await server.close(1000);
      await closeContext(late);
    }
  });

  it('when a revocation is made while Redis is down, then it is refused at once where it was made and by the others once they reload', async () => {
    const user = await stack.addUser(tenant, 'teacher');
    await setUserPassword(stack.cp.db, user.globalUserId, PASSWORD);
    const login = await signIn(stack.cp.url, user.phone, PASSWORD);
    assert.equal((await inTenant(stack.url, login.token)).status, 200);
    await redis.stop();
    try {
      const out = await http('POST', `${stack.cp.url}/api/auth/logout`, { token: login.token, body: { refreshToken: login.refreshToken } });
      assert.equal(out.status, 200, 'sign-out does not need Redis');
      assert.equal((await cpMe(login.token)).status, 401, 'refused at once by the instance that made it');
      // Nothing could be announced; the tenant app reads MySQL every REVOCATION_RELOAD_MS (10 s by default).
      const took = await within(stack.config.REVOCATION_RELOAD_MS + 2_000, async () => (await inTenant(stack.url, login.token)).status === 401);
      assert.ok(took <= stack.config.REVOCATION_RELOAD_MS + 2_000);
    } finally {
      await redis.restartEmpty();
    }
  });
});
