import assert from 'node:assert/strict';
import { http } from '@kg/shared/testing';
import { USER_PASSWORD, loginUser, registerUser, rows } from './helpers/auth-fixtures';
import { startControlPlane, type TestControlPlane } from './helpers/harness';

describe('global-user auth: change password (one-time passwords from provisioning)', () => {
  let cp: TestControlPlane;
  before(async () => {
    cp = await startControlPlane('authpw');
  });
  after(async () => {
    await cp?.close();
  });

  it('when a provisioned user signs in with a one-time password, then the login says it must be changed', async () => {
    const { phone } = await registerUser(cp);
    await cp.db.query('UPDATE global_users SET must_change_password = 1 WHERE phone = ?', [phone]);
    const login = await loginUser(cp, phone);
    assert.equal(login.mustChangePassword, true);
  });

  it('when the current password is right, then the new one works, the old one fails and other sessions end', async () => {
    const { phone } = await registerUser(cp);
    await cp.db.query('UPDATE global_users SET must_change_password = 1 WHERE phone = ?', [phone]);
    const other = await loginUser(cp, phone);
    const session = await loginUser(cp, phone);
    const res = await http('POST', `${cp.url}/api/auth/change-password`, {
      token: session.token,
      body: { currentPassword: USER_PASSWORD, newPassword: 'brandNew2026' },
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.data.changed, true);
    assert.ok(res.body.data.revokedRefreshTokens >= 2);
    const old = await http('POST', `${cp.url}/api/auth/login`, { body: { phone, password: USER_PASSWORD } });
    assert.equal(old.status, 401);
    const fresh = await loginUser(cp, phone, 'brandNew2026');
    assert.equal(fresh.mustChangePassword, false);
    const refresh = await http('POST', `${cp.url}/api/auth/refresh`, { body: { refreshToken: other.refreshToken } });
    assert.equal(refresh.status, 401);
    const events = await rows(cp, "SELECT * FROM unified_auth_logs WHERE event_type = 'password_change' AND subject_id = ?", [
      fresh.globalUserId,
    ]);
    assert.equal(events.length, 1);
  });

  it('when the current password is wrong or the new one is weak, then 401 or 400 with field details', async () => {
    const { phone } = await registerUser(cp);
    const session = await loginUser(cp, phone);
    const wrong = await http('POST', `${cp.url}/api/auth/change-password`, {
      token: session.token,
      body: { currentPassword: 'not-it-123', newPassword: 'brandNew2026' },
    });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error.code, 'INVALID_CREDENTIALS');
    const weak = await http('POST', `${cp.url}/api/auth/change-password`, {
      token: session.token,
      body: { currentPassword: USER_PASSWORD, newPassword: 'short' },
    });
    assert.equal(weak.status, 400);
    assert.ok(weak.body.error.details.some((d: { field: string }) => d.field === 'newPassword'));
    const same = await http('POST', `${cp.url}/api/auth/change-password`, {
      token: session.token,
      body: { currentPassword: USER_PASSWORD, newPassword: USER_PASSWORD },
    });
    assert.equal(same.status, 400);
    const anonymous = await http('POST', `${cp.url}/api/auth/change-password`, {
      body: { currentPassword: USER_PASSWORD, newPassword: 'brandNew2026' },
    });
    assert.equal(anonymous.status, 401);
  });
});
