import assert from 'node:assert/strict';
import bcrypt from 'bcryptjs';
import { http } from '@kg/shared/testing';
import { claimsOf, loginUser, registerUser, rows } from './helpers/auth-fixtures';
import { SUPER_ADMIN, startControlPlane, type TestControlPlane } from './helpers/harness';

const OPERATOR_PASSWORD = 'operat0rPass';

/** Inserts an operator account directly (the admin-management API is another module's). */
async function insertAdmin(cp: TestControlPlane, username: string, status = 'active', role = 'operator'): Promise<number> {
  const [res] = await cp.db.query<import('@kg/shared').ResultSetHeader>(
    'INSERT INTO admin_users (username, password, role, status) VALUES (?, ?, ?, ?)',
    [username, bcrypt.hashSync(OPERATOR_PASSWORD, 4), role, status],
  );
  return res.insertId;
}

const adminLogin = (cp: TestControlPlane, username: string, password: string) =>
  http('POST', `${cp.url}/api/admin/auth/login`, { body: { username, password } });

describe('admin auth: operator sign-in, refresh, sign-out', () => {
  let cp: TestControlPlane;
  before(async () => {
    cp = await startControlPlane('authadmin');
  });
  after(async () => {
    await cp?.close();
  });

  it('when the bootstrapped super admin signs in, then an admin token, a refresh token and the profile come back', async () => {
    const res = await adminLogin(cp, SUPER_ADMIN.username, SUPER_ADMIN.password);
    assert.equal(res.status, 200);
    const data = res.body.data;
    assert.equal(data.admin.username, SUPER_ADMIN.username);
    assert.equal(data.admin.role, 'super_admin');
    assert.ok(Number.isInteger(data.admin.id));
    assert.equal(data.expiresIn, 3600);
    assert.ok(data.refreshToken);
    const claims = claimsOf(data.token);
    assert.equal(claims.aud, 'kg-admin');
    assert.equal(claims.role, 'super_admin');

    const me = await http('GET', `${cp.url}/api/admin/auth/me`, { token: data.token });
    assert.equal(me.status, 200);
    assert.equal(me.body.data.username, SUPER_ADMIN.username);
    assert.equal(me.body.data.status, 'active');
    assert.ok(me.body.data.lastLoginAt, 'last sign-in is recorded');
  });

  it('when the password is wrong or the username unknown, then the same 401 and login_history records both', async () => {
    const username = `op-${Date.now()}`;
    const id = await insertAdmin(cp, username);
    const wrong = await adminLogin(cp, username, 'wrong1pass');
    const unknown = await adminLogin(cp, `${username}-nobody`, 'wrong1pass');
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error.code, 'INVALID_CREDENTIALS');
    assert.deepEqual(unknown.body.error, wrong.body.error);
    const history = await rows(
      cp,
      "SELECT subject_id, success, failure_reason FROM login_history WHERE subject_type = 'admin' AND identifier LIKE ? ORDER BY id",
      [`${username}%`],
    );
    assert.deepEqual(history.map((h) => [h.subject_id, h.success, h.failure_reason]), [
      [id, 0, 'invalid_password'],
      [null, 0, 'unknown_account'],
    ]);
  });

  it('when an operator is suspended or inactive, then the right password gets 403 ACCOUNT_DISABLED', async () => {
    for (const status of ['suspended', 'inactive']) {
      const username = `op-${status}-${Date.now()}`;
      await insertAdmin(cp, username, status);
      const res = await adminLogin(cp, username, OPERATOR_PASSWORD);
      assert.equal(res.status, 403, status);
      assert.equal(res.body.error.code, 'ACCOUNT_DISABLED');
    }
  });

  it('when an admin refreshes, then the pair rotates; reusing the old refresh token revokes the family', async () => {
    const login = (await adminLogin(cp, SUPER_ADMIN.username, SUPER_ADMIN.password)).body.data;
    const first = await http('POST', `${cp.url}/api/admin/auth/refresh`, { body: { refreshToken: login.refreshToken } });
    assert.equal(first.status, 200);
    assert.notEqual(first.body.data.refreshToken, login.refreshToken);
    assert.equal(first.body.data.admin.role, 'super_admin');
    assert.equal((await http('GET', `${cp.url}/api/admin/auth/me`, { token: first.body.data.token })).status, 200);

    const reuse = await http('POST', `${cp.url}/api/admin/auth/refresh`, { body: { refreshToken: login.refreshToken } });
    assert.equal(reuse.status, 401);
    assert.equal(reuse.body.error.code, 'REFRESH_TOKEN_REUSED');
    const newest = await http('POST', `${cp.url}/api/admin/auth/refresh`, { body: { refreshToken: first.body.data.refreshToken } });
    assert.equal(newest.status, 401);
    const events = await rows(cp, "SELECT severity FROM security_events WHERE event_type = 'refresh_token_reuse' AND subject_type = 'admin'");
    assert.ok(events.length >= 1);
    assert.equal(events[0]!.severity, 'high');
    const logged = await rows(cp, "SELECT DISTINCT event_type FROM unified_auth_logs WHERE subject_type = 'admin' ORDER BY event_type");
    assert.deepEqual(logged.map((e) => e.event_type).filter((t) => t.startsWith('refresh')), ['refresh', 'refresh_reuse']);
  });

  it('when a user refresh token is sent to the admin refresh route, then 401', async () => {
    const user = await registerUser(cp);
    const { refreshToken } = await loginUser(cp, user.phone);
    const res = await http('POST', `${cp.url}/api/admin/auth/refresh`, { body: { refreshToken } });
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, 'TOKEN_INVALID');
  });

  it('when an admin signs out, then the access token is revoked and the refresh token no longer works', async () => {
    const login = (await adminLogin(cp, SUPER_ADMIN.username, SUPER_ADMIN.password)).body.data;
    const out = await http('POST', `${cp.url}/api/admin/auth/logout`, { token: login.token, body: { refreshToken: login.refreshToken } });
    assert.equal(out.status, 200);
    assert.equal(out.body.data.revokedRefreshTokens, 1);
    const me = await http('GET', `${cp.url}/api/admin/auth/me`, { token: login.token });
    assert.equal(me.status, 401);
    assert.equal(me.body.error.code, 'TOKEN_REVOKED');
    const refresh = await http('POST', `${cp.url}/api/admin/auth/refresh`, { body: { refreshToken: login.refreshToken } });
    assert.equal(refresh.status, 401);

    const [adminRow] = await rows(cp, 'SELECT id FROM admin_users WHERE username = ?', [SUPER_ADMIN.username]);
    const [logoutLog] = await rows(
      cp,
      "SELECT details FROM unified_auth_logs WHERE subject_type = 'admin' AND subject_id = ? AND event_type = 'logout' ORDER BY id DESC LIMIT 1",
      [adminRow!.id],
    );
    const details = typeof logoutLog!.details === 'string' ? JSON.parse(logoutLog!.details) : logoutLog!.details;
    assert.equal(details.revokedRefreshTokens, 1);
  });

  it('when tokens cross audiences, then a user token is refused by admin routes and an admin token by user routes', async () => {
    const admin = (await adminLogin(cp, SUPER_ADMIN.username, SUPER_ADMIN.password)).body.data;
    const user = await registerUser(cp);
    const { token: userToken } = await loginUser(cp, user.phone);

    const userOnAdmin = await http('GET', `${cp.url}/api/admin/auth/me`, { token: userToken });
    assert.equal(userOnAdmin.status, 401);
    const adminOnUser = await http('GET', `${cp.url}/api/auth/me`, { token: admin.token });
    assert.equal(adminOnUser.status, 401);
    const noToken = await http('GET', `${cp.url}/api/admin/auth/me`);
    assert.equal(noToken.status, 401);
  });
});

describe('admin auth: lockout', () => {
  let cp: TestControlPlane;
  before(async () => {
    cp = await startControlPlane('authadminlock', { AUTH_MAX_FAILED_ATTEMPTS: '3', AUTH_LOCKOUT_MINUTES: '10' });
  });
  after(async () => {
    await cp?.close();
  });

  it('when an operator fails 3 times, then the right password is refused until the lock expires', async () => {
    const username = `op-lock-${Date.now()}`;
    const id = await insertAdmin(cp, username);
    for (let i = 0; i < 3; i++) assert.equal((await adminLogin(cp, username, 'wrong1pass')).status, 401);

    const locked = await adminLogin(cp, username, OPERATOR_PASSWORD);
    assert.equal(locked.status, 403);
    assert.equal(locked.body.error.code, 'ACCOUNT_LOCKED');
    assert.ok(locked.body.error.details.lockedUntil);
    const retryAfter = Number(locked.headers.get('retry-after'));
    assert.ok(retryAfter > 9 * 60 && retryAfter <= 10 * 60 + 5, `Retry-After ${retryAfter}`);
    const events = await rows(cp, "SELECT id FROM security_events WHERE event_type = 'account_locked' AND subject_type = 'admin' AND subject_id = ?", [
      String(id),
    ]);
    assert.equal(events.length, 1);

    await cp.db.query('UPDATE admin_users SET locked_until = NOW(3) - INTERVAL 1 SECOND WHERE id = ?', [id]);
    const after = await adminLogin(cp, username, OPERATOR_PASSWORD);
    assert.equal(after.status, 200);
    const [row] = await rows(cp, 'SELECT failed_login_attempts, locked_until FROM admin_users WHERE id = ?', [id]);
    assert.deepEqual([row!.failed_login_attempts, row!.locked_until], [0, null]);
  });
});
