import assert from 'node:assert/strict';
import { http } from '@kg/shared/testing';
import { claimsOf } from '../../control-plane/test/helpers/auth-fixtures';
import { startTenantStack, tenantHeader, type TenantStack, type TestTenant } from '../../tenant-app/test/helpers/harness';
import { setUserPassword, signIn } from './helpers/sessions';

/**
 * Finding 4: access tokens survived a password change and refresh-token reuse, and
 * mustChangePassword was reported but not enforced.
 */
describe('security: sessions — password change, refresh reuse and one-time passwords', function () {
  this.timeout(90_000);
  let stack: TenantStack;
  let tenant: TestTenant;
  const PASSWORD = 'garden2024pass';

  before(async () => {
    stack = await startTenantStack('secpassword');
    tenant = await stack.createTenant('k9401');
  });
  after(async () => {
    await stack?.close();
  });

  const cp = (path: string, token?: string, body?: unknown) => http(body === undefined ? 'GET' : 'POST', `${stack.cp.url}${path}`, { token, body });
  const inTenant = (token: string) => http('GET', `${stack.url}/api/me`, { token, headers: tenantHeader(tenant.code) });

  async function member(oneTime = false) {
    const user = await stack.addUser(tenant, 'teacher');
    await setUserPassword(stack.cp.db, user.globalUserId, PASSWORD, oneTime);
    return user;
  }

  it('when the password is changed, then every earlier access token (plain and tenant-scoped) is refused in both services', async () => {
    const user = await member();
    const stolen = await signIn(stack.cp.url, user.phone, PASSWORD);
    const scoped = (await cp('/api/auth/switch-tenant', stolen.token, { tenantCode: tenant.code })).body.data;
    const own = await signIn(stack.cp.url, user.phone, PASSWORD);
    assert.equal((await inTenant(scoped.token)).status, 200);

    const change = await cp('/api/auth/change-password', own.token, { currentPassword: PASSWORD, newPassword: 'n3wGardenPass' });
    assert.equal(change.status, 200, JSON.stringify(change.body));

    for (const token of [stolen.token, scoped.token, own.token]) {
      const inApp = await inTenant(token);
      assert.equal(inApp.status, 401);
      assert.equal(inApp.body.error.code, 'TOKEN_REVOKED');
      assert.equal((await cp('/api/auth/me', token)).status, 401);
    }
    assert.equal((await cp('/api/auth/refresh', undefined, { refreshToken: scoped.refreshToken })).status, 401);
    const fresh = await signIn(stack.cp.url, user.phone, 'n3wGardenPass');
    assert.equal((await inTenant(fresh.token)).status, 200, 'a sign-in after the change works');
  });

  it('when a copied refresh token is reused, then the access tokens issued before are refused in both services', async () => {
    const user = await member();
    const login = await signIn(stack.cp.url, user.phone, PASSWORD);
    // The thief refreshes first with the copy and gets a working pair.
    const thief = (await cp('/api/auth/refresh', undefined, { refreshToken: login.refreshToken })).body.data;
    assert.equal((await inTenant(thief.token)).status, 200);
    // The victim's client presents the now rotated token: reuse detected.
    const reuse = await cp('/api/auth/refresh', undefined, { refreshToken: login.refreshToken });
    assert.equal(reuse.status, 401);
    assert.equal(reuse.body.error.code, 'REFRESH_TOKEN_REUSED');

    for (const token of [thief.token, login.token]) {
      const inApp = await inTenant(token);
      assert.equal(inApp.status, 401);
      assert.equal(inApp.body.error.code, 'TOKEN_REVOKED');
      assert.equal((await cp('/api/auth/me', token)).status, 401);
    }
    assert.equal((await cp('/api/auth/refresh', undefined, { refreshToken: thief.refreshToken })).status, 401);

    // Whoever keeps the stale token cannot use it to sign the owner out again and again.
    const again = await signIn(stack.cp.url, user.phone, PASSWORD);
    const replay = await cp('/api/auth/refresh', undefined, { refreshToken: login.refreshToken });
    assert.equal(replay.body.error.code, 'REFRESH_TOKEN_REUSED');
    assert.equal((await inTenant(again.token)).status, 200);
  });

  it('when a user signed in with a one-time password, then the token only serves change-password, me and logout', async () => {
    const user = await member(true);
    const otp = await signIn(stack.cp.url, user.phone, PASSWORD);
    assert.equal(otp.mustChangePassword, true);
    assert.equal(claimsOf(otp.token).mustChangePassword, true);

    assert.equal((await cp('/api/auth/me', otp.token)).status, 200);
    for (const res of [
      await cp('/api/auth/tenants', otp.token),
      await cp('/api/auth/switch-tenant', otp.token, { tenantCode: tenant.code }),
      await inTenant(otp.token),
    ]) {
      assert.equal(res.status, 403);
      assert.equal(res.body.error.code, 'PASSWORD_CHANGE_REQUIRED');
    }
    // Refreshing does not launder the restriction.
    const refreshed = (await cp('/api/auth/refresh', undefined, { refreshToken: otp.refreshToken })).body.data;
    assert.equal((await inTenant(refreshed.token)).body.error.code, 'PASSWORD_CHANGE_REQUIRED');

    const change = await cp('/api/auth/change-password', refreshed.token, { currentPassword: PASSWORD, newPassword: 'own2026Password' });
    assert.equal(change.status, 200);
    assert.equal((await inTenant(refreshed.token)).status, 401, 'the restricted token ended with the change');
    const own = await signIn(stack.cp.url, user.phone, 'own2026Password');
    assert.equal(own.mustChangePassword, false);
    assert.equal((await inTenant(own.token)).status, 200);
  });

  it('when a user with a one-time password signs out, then logout is allowed', async () => {
    const user = await member(true);
    const otp = await signIn(stack.cp.url, user.phone, PASSWORD);
    const out = await cp('/api/auth/logout', otp.token, { refreshToken: otp.refreshToken });
    assert.equal(out.status, 200);
    assert.equal((await cp('/api/auth/me', otp.token)).status, 401);
  });
});
