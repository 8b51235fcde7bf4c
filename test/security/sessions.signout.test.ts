import assert from 'node:assert/strict';
import { http } from '@kg/shared/testing';
import { startTenantStack, tenantHeader, type TenantStack, type TestTenant } from '../../tenant-app/test/helpers/harness';
import { setUserPassword, signIn } from './helpers/sessions';

/**
 * Finding 3: after login -> switch-tenant -> logout, the tenant-scoped refresh token still
 * refreshed and its access token still worked. Logout now ends the whole sign-in.
 */
describe('security: sessions — logout ends the whole sign-in, tenant-scoped sessions included', function () {
  this.timeout(90_000);
  let stack: TenantStack;
  let tenant: TestTenant;
  const PASSWORD = 'garden2024pass';

  before(async () => {
    stack = await startTenantStack('secsignout');
    tenant = await stack.createTenant('k9301');
  });
  after(async () => {
    await stack?.close();
  });

  const cp = (path: string, token?: string, body?: unknown) => http(body === undefined ? 'GET' : 'POST', `${stack.cp.url}${path}`, { token, body });
  const inTenant = (token: string) => http('GET', `${stack.url}/api/me`, { token, headers: tenantHeader(tenant.code) });

  async function scopedSession() {
    const user = await stack.addUser(tenant, 'teacher');
    await setUserPassword(stack.cp.db, user.globalUserId, PASSWORD);
    const login = await signIn(stack.cp.url, user.phone, PASSWORD);
    const scoped = await cp('/api/auth/switch-tenant', login.token, { tenantCode: tenant.code });
    assert.equal(scoped.status, 200, JSON.stringify(scoped.body));
    return { user, login, scoped: scoped.body.data as { token: string; refreshToken: string } };
  }

  it('when a user logs out after switch-tenant, then the tenant-scoped refresh token and access token stop working everywhere', async () => {
    const { login, scoped } = await scopedSession();
    assert.equal((await inTenant(scoped.token)).status, 200, 'the scoped token worked before');

    const out = await cp('/api/auth/logout', login.token, { refreshToken: login.refreshToken });
    assert.equal(out.status, 200);
    assert.equal(out.body.data.revokedRefreshTokens, 2, 'the sign-in family and the tenant-scoped one');

    const refreshed = await cp('/api/auth/refresh', undefined, { refreshToken: scoped.refreshToken });
    assert.equal(refreshed.status, 401);
    assert.equal(refreshed.body.error.code, 'TOKEN_REVOKED');
    for (const token of [scoped.token, login.token]) {
      const inApp = await inTenant(token);
      assert.equal(inApp.status, 401);
      assert.equal(inApp.body.error.code, 'TOKEN_REVOKED');
      assert.equal((await cp('/api/auth/me', token)).status, 401);
    }
  });

  it('when a user logs out with the tenant-scoped token, then the sign-in it came from ends too', async () => {
    const { login, scoped } = await scopedSession();
    const out = await cp('/api/auth/logout', scoped.token, { refreshToken: scoped.refreshToken });
    assert.equal(out.status, 200);
    assert.equal((await cp('/api/auth/refresh', undefined, { refreshToken: login.refreshToken })).status, 401);
    assert.equal((await cp('/api/auth/me', login.token)).status, 401);
    assert.equal((await inTenant(login.token)).status, 401);
  });

  it('when a tenant-scoped session was refreshed before the logout, then its newest tokens die with the sign-in too', async () => {
    const { login, scoped } = await scopedSession();
    const next = await cp('/api/auth/refresh', undefined, { refreshToken: scoped.refreshToken });
    assert.equal(next.status, 200);
    assert.equal((await inTenant(next.body.data.token)).status, 200);
    assert.equal((await cp('/api/auth/logout', login.token, { refreshToken: login.refreshToken })).status, 200);
    assert.equal((await inTenant(next.body.data.token)).status, 401);
    assert.equal((await cp('/api/auth/refresh', undefined, { refreshToken: next.body.data.refreshToken })).status, 401);
  });

  it('when one sign-in logs out, then another sign-in of the same user keeps working', async () => {
    const { user, login } = await scopedSession();
    const other = await signIn(stack.cp.url, user.phone, PASSWORD);
    await cp('/api/auth/logout', login.token, { refreshToken: login.refreshToken });
    assert.equal((await inTenant(other.token)).status, 200);
    assert.equal((await cp('/api/auth/refresh', undefined, { refreshToken: other.refreshToken })).status, 200);
  });
});
