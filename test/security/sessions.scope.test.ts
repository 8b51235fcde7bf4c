import assert from 'node:assert/strict';
import { ensureTenantUser } from '@kg/shared';
import { http } from '@kg/shared/testing';
import { startTenantStack, tenantHeader, type TenantStack, type TestTenant, type TestUser } from '../../tenant-app/test/helpers/harness';

/**
 * The test gap found by mutating the code: removing the tenant app's scope check failed no test,
 * because every test user belonged to one tenant. Here the user belongs to A and B, so only the
 * scope check can refuse an A-scoped token on B.
 */
describe('security: sessions — a tenant-scoped token is only good for its own tenant', function () {
  this.timeout(90_000);
  let stack: TenantStack;
  let a: TestTenant;
  let b: TestTenant;
  let user: TestUser;
  let scopedToA: string;

  before(async () => {
    stack = await startTenantStack('secscope');
    a = await stack.createTenant('k9501');
    b = await stack.createTenant('k9502');
    user = await stack.addUser(a, 'admin');
    // The same global user is also an admin of B, bound and active in B's own users table.
    const conn = await stack.tenantConn(b);
    let tenantUserId: number;
    try {
      tenantUserId = await ensureTenantUser(conn, { globalUserId: user.globalUserId, phone: user.phone, realName: 'Two kindergartens', role: 'admin' });
    } finally {
      await conn.end();
    }
    await stack.cp.db.query(
      "INSERT INTO global_user_tenant_relations (global_user_id, tenant_code, tenant_user_id, role_in_tenant, status) VALUES (?, ?, ?, 'admin', 'active')",
      [user.globalUserId, b.code, tenantUserId],
    );
    scopedToA = user.scopedToken;
  });
  after(async () => {
    await stack?.close();
  });

  const get = (code: string, token: string, path = '/api/me') => http('GET', `${stack.url}${path}`, { token, headers: tenantHeader(code) });

  it('when the user is bound to A and B, then the unscoped token works in both and the A-scoped one in A', async () => {
    assert.equal((await get(a.code, user.token)).status, 200);
    assert.equal((await get(b.code, user.token)).status, 200);
    assert.equal((await get(a.code, scopedToA)).status, 200);
  });

  it('when an A-scoped token is presented on B, then 403 although the user is a member of B', async () => {
    for (const path of ['/api/me', '/api/classes', '/api/students']) {
      const res = await get(b.code, scopedToA, path);
      assert.equal(res.status, 403, `${path}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, 'NOT_BOUND_TO_TENANT');
    }
    // Also once the token is known and the user's B membership is cached (the synchronous path).
    assert.equal((await get(b.code, user.token)).status, 200);
    assert.equal((await get(b.code, scopedToA)).status, 403);
  });
});
