import assert from 'node:assert/strict';
import { testMysqlTarget, http } from '@kg/shared/testing';
import { SUPER_ADMIN } from '../../control-plane/test/helpers/harness';
import { insertAdmin } from '../../control-plane/test/helpers/operator-fixtures';
import { startTenantStack, tenantHeader, type TenantStack, type TestTenant } from '../../tenant-app/test/helpers/harness';
import { startService, type ServiceProcess } from './helpers/processes';
import { adminSignIn, setAdminPassword, setUserPassword, signIn, within } from './helpers/sessions';

/**
 * Revocation within 1 s on every instance: two control planes and two tenant apps, each its own
 * process, sharing only MySQL and Redis. A change is made through the first control plane; the
 * other control plane and both tenant apps must refuse the earlier tokens within a second, with
 * the tokens already verified and cached there (the fast path).
 */
describe('security: sessions — revocation reaches every instance of both services within 1 s', function () {
  this.timeout(240_000);
  let stack: TenantStack;
  let tenant: TestTenant;
  let cp1: ServiceProcess;
  let cp2: ServiceProcess;
  let ta1: ServiceProcess;
  let ta2: ServiceProcess;
  const PASSWORD = 'garden2024pass';

  before(async () => {
    // In-process stack only to arrange databases, the template and the tenant's MySQL account.
    stack = await startTenantStack('secinst');
    tenant = await stack.createTenant('k9701');
    const target = testMysqlTarget();
    const shared = {
      NODE_ENV: 'test',
      MYSQL_HOST: target.host,
      MYSQL_PORT: String(target.port),
      MYSQL_USER: target.user,
      MYSQL_PASSWORD: target.password,
      CONTROL_DB_NAME: stack.cp.config.CONTROL_DB_NAME,
      REDIS_URL: stack.cp.config.REDIS_URL,
      REDIS_KEY_PREFIX: stack.cp.config.REDIS_KEY_PREFIX,
      JWT_ISSUER: stack.cp.config.JWT_ISSUER,
    };
    const cpEnv = {
      ...shared,
      MASTER_KEY: stack.cp.config.MASTER_KEY,
      TEMPLATE_DB_NAME: stack.cp.config.TEMPLATE_DB_NAME,
      BCRYPT_COST: '4',
      BOOTSTRAP_ADMIN_USERNAME: SUPER_ADMIN.username,
      BOOTSTRAP_ADMIN_PASSWORD: SUPER_ADMIN.password,
    };
    const ready = { cp: /control plane listening/, ta: /tenant app listening/ };
    [cp1, cp2] = await Promise.all([
      startService('control-plane/src/start/server.ts', 'CONTROL_PLANE_PORT', cpEnv, ready.cp),
      startService('control-plane/src/start/server.ts', 'CONTROL_PLANE_PORT', cpEnv, ready.cp),
    ]);
    const taEnv = {
      ...shared,
      MASTER_KEY: stack.cp.config.MASTER_KEY,
      TENANT_DB_ROLE_USER: stack.roleUser,
      TENANT_DB_ROLE_PASSWORD: stack.rolePassword,
      CONTROL_PLANE_URL: cp1.url,
      BASE_DOMAIN: 'kg.test',
      STORAGE_LOCAL_ROOT: stack.config.STORAGE_LOCAL_ROOT,
    };
    [ta1, ta2] = await Promise.all([
      startService('tenant-app/src/start/server.ts', 'TENANT_APP_PORT', taEnv, ready.ta),
      startService('tenant-app/src/start/server.ts', 'TENANT_APP_PORT', taEnv, ready.ta),
    ]);
  });
  after(async () => {
    await Promise.all([cp1, cp2, ta1, ta2].map((p) => p?.stop()));
    await stack?.close();
  });

  const post = (url: string, path: string, token: string | undefined, body: unknown) => http('POST', `${url}${path}`, { token, body });
  const userProbes = (token: string) => [
    { where: 'control plane 2', status: async () => (await http('GET', `${cp2.url}/api/auth/me`, { token })).status },
    ...[ta1, ta2].map((ta, i) => ({
      where: `tenant app ${i + 1}`,
      status: async () => (await http('GET', `${ta.url}/api/me`, { token, headers: tenantHeader(tenant.code) })).status,
    })),
  ];

  /** Every probe answers 200 now, and 401 within 1 s after `revoke` returned. */
  async function refusedEverywhereWithin1s(probes: Array<{ where: string; status: () => Promise<number> }>, revoke: () => Promise<void>) {
    for (const p of probes) assert.equal(await p.status(), 200, `${p.where} accepts the token before`);
    for (const p of probes) assert.equal(await p.status(), 200, `${p.where} (cached)`);
    await revoke();
    const took = await Promise.all(probes.map((p) => within(1_000, async () => (await p.status()) === 401)));
    return took;
  }

  async function member() {
    const user = await stack.addUser(tenant, 'teacher');
    await setUserPassword(stack.cp.db, user.globalUserId, PASSWORD);
    const login = await signIn(cp1.url, user.phone, PASSWORD);
    const scoped = (await post(cp1.url, '/api/auth/switch-tenant', login.token, { tenantCode: tenant.code })).body.data;
    return { user, login, scoped: scoped as { token: string; refreshToken: string } };
  }

  it('when a user logs out on one control plane, then the tenant-scoped token is refused on the other and on both tenant apps within 1 s', async () => {
    const { login, scoped } = await member();
    const took = await refusedEverywhereWithin1s(userProbes(scoped.token), async () => {
      assert.equal((await post(cp1.url, '/api/auth/logout', login.token, { refreshToken: login.refreshToken })).status, 200);
    });
    assert.ok(took.every((ms) => ms < 1000), `took ${took.join(', ')} ms`);
  });

  it('when a user changes the password on one control plane, then earlier tokens are refused everywhere within 1 s', async () => {
    const { login, scoped } = await member();
    const took = await refusedEverywhereWithin1s([...userProbes(scoped.token), ...userProbes(login.token)], async () => {
      const res = await post(cp1.url, '/api/auth/change-password', login.token, { currentPassword: PASSWORD, newPassword: 'n3wGardenPass' });
      assert.equal(res.status, 200);
    });
    assert.ok(took.every((ms) => ms < 1000), `took ${took.join(', ')} ms`);
  });

  it('when a rotated refresh token is reused on one control plane, then earlier tokens are refused everywhere within 1 s', async () => {
    const { scoped } = await member();
    const thief = (await post(cp1.url, '/api/auth/refresh', undefined, { refreshToken: scoped.refreshToken })).body.data;
    const took = await refusedEverywhereWithin1s([...userProbes(scoped.token), ...userProbes(thief.token)], async () => {
      assert.equal((await post(cp1.url, '/api/auth/refresh', undefined, { refreshToken: scoped.refreshToken })).status, 401);
    });
    assert.ok(took.every((ms) => ms < 1000), `took ${took.join(', ')} ms`);
  });

  it('when an operator locks, disables, resets the password of or unbinds a user through one control plane, then earlier tokens are refused everywhere within 1 s', async () => {
    const root = (await adminSignIn(cp1.url, SUPER_ADMIN.username, SUPER_ADMIN.password)).token;
    const actions: Array<(id: number) => Promise<void>> = [
      async (id) => assert.equal((await post(cp1.url, `/api/users/${id}/lock`, root, {})).status, 200),
      async (id) => assert.equal((await post(cp1.url, `/api/users/${id}/disable`, root, {})).status, 200),
      async (id) => assert.equal((await post(cp1.url, `/api/users/${id}/reset-password`, root, {})).status, 200),
      async (id) => assert.equal((await http('DELETE', `${cp1.url}/api/tenants/${tenant.code}/users/${id}`, { token: root })).status, 200),
    ];
    for (const [i, act] of actions.entries()) {
      const { user, login, scoped } = await member();
      const took = await refusedEverywhereWithin1s([...userProbes(scoped.token), ...userProbes(login.token)], () => act(user.globalUserId));
      assert.ok(took.every((ms) => ms < 1000), `action ${i} took ${took.join(', ')} ms`);
    }
  });

  it('when an admin is demoted or suspended through one control plane, then their earlier token is refused by the other within 1 s', async () => {
    const root = (await adminSignIn(cp1.url, SUPER_ADMIN.username, SUPER_ADMIN.password)).token;
    for (const change of [{ role: 'operator' }, { status: 'suspended' }]) {
      const admin = await insertAdmin(stack.cp, 'admin');
      await setAdminPassword(stack.cp.db, admin.id, 'Adm1nPassw0rd');
      const token = (await adminSignIn(cp1.url, admin.username, 'Adm1nPassw0rd')).token;
      const probe = { where: 'control plane 2', status: async () => (await http('GET', `${cp2.url}/api/tenants`, { token })).status };
      const took = await refusedEverywhereWithin1s([probe], async () => {
        assert.equal((await http('PATCH', `${cp1.url}/api/admin/users/${admin.id}`, { token: root, body: change })).status, 200);
      });
      assert.ok(took[0]! < 1000, `${JSON.stringify(change)} took ${took[0]} ms`);
    }
  });
});
