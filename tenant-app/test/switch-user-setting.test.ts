import assert from 'node:assert/strict';
import { http } from '@kg/shared/testing';
import { startTenantStack, tenantHeader, type TenantStack } from './helpers/harness';

/**
 * TENANT_DB_SWITCH_USER (docs/privileges.md, The tenant app's switch): an operator may turn the
 * per-tenant account switch off; the shared connections then keep the server's account and the
 * statement guard alone stands between tenants. Tested so the choice does what it says.
 */
describe('tenant app: TENANT_DB_SWITCH_USER=false', function () {
  this.timeout(120_000);
  let stack: TenantStack;

  before(async () => {
    stack = await startTenantStack('swoff', { TENANT_DB_SWITCH_USER: 'false', TENANT_CACHE_TTL_MS: '1000' });
  });
  after(async () => {
    await stack?.close();
  });

  const me = (code: string, token: string) => http('GET', `${stack.url}/api/me`, { headers: tenantHeader(code), token });

  it('when requests alternate between two tenants, then they are served and no connection is switched to a tenant account', async () => {
    const a = await stack.createTenant('k181');
    const b = await stack.createTenant('k182');
    const ua = await stack.addUser(a, 'admin');
    const ub = await stack.addUser(b, 'admin');
    const before = stack.ctx.budget.stats().switches;
    for (let i = 0; i < 6; i++) {
      const res = await (i % 2 ? me(b.code, ub.token) : me(a.code, ua.token));
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.data.tenantCode, i % 2 ? b.code : a.code);
    }
    assert.equal(stack.ctx.budget.stats().switches - before, 0);
  });

  it('when an active tenant has no database account of its own, then it is still served (the switch is off)', async () => {
    const t = await stack.createTenant('k183');
    const u = await stack.addUser(t, 'admin');
    await stack.cp.db.query('UPDATE tenants SET db_user = NULL, db_password_enc = NULL WHERE tenant_id = ?', [t.code]);
    await stack.setStatus(t.code, 'active');
    const res = await me(t.code, u.token);
    assert.equal(res.status, 200, JSON.stringify(res.body));
  });
});
