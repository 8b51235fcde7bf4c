import assert from 'node:assert/strict';
import { http } from '@kg/shared/testing';
import {
  USER_PASSWORD,
  bindUser,
  claimsOf,
  insertTenant,
  loginUser,
  registerCode,
  registerUser,
  rows,
  uniquePhone,
} from './helpers/auth-fixtures';
import { startControlPlane, type TestControlPlane } from './helpers/harness';

describe('global-user auth: register, sign in, tenants', () => {
  let cp: TestControlPlane;
  before(async () => {
    cp = await startControlPlane('authuser');
  });
  after(async () => {
    await cp?.close();
  });

  describe('register', () => {
    it('when a new phone registers, then 201 returns the global user and it can sign in', async () => {
      const phone = uniquePhone();
      const res = await http('POST', `${cp.url}/api/auth/register`, {
        body: { phone, password: USER_PASSWORD, realName: '李园长', email: 'li@example.com', smsCode: await registerCode(cp, phone) },
      });
      assert.equal(res.status, 201);
      assert.equal(res.body.success, true);
      assert.equal(res.body.data.phone, phone);
      assert.equal(res.body.data.realName, '李园长');
      assert.ok(Number.isInteger(res.body.data.globalUserId));
      const [stored] = await rows(cp, 'SELECT password_hash, status FROM global_users WHERE phone = ?', [phone]);
      assert.match(String(stored!.password_hash), /^\$2[aby]\$04\$/, 'bcrypt hash at the configured cost');
      assert.equal(stored!.status, 'active');
      const logs = await rows(cp, "SELECT * FROM unified_auth_logs WHERE event_type = 'register' AND subject_id = ?", [
        res.body.data.globalUserId,
      ]);
      assert.equal(logs.length, 1);
      const login = await loginUser(cp, phone);
      assert.equal(login.globalUserId, res.body.data.globalUserId);
    });

    it('when the phone is already registered, then 409 CONFLICT', async () => {
      const { phone } = await registerUser(cp);
      const res = await http('POST', `${cp.url}/api/auth/register`, {
        body: { phone, password: 'another1pass', realName: '张老师', smsCode: await registerCode(cp, phone) },
      });
      assert.equal(res.status, 409);
      assert.equal(res.body.error.code, 'CONFLICT');
    });

    it('when phone, password and realName are invalid, then 400 names each field', async () => {
      const res = await http('POST', `${cp.url}/api/auth/register`, { body: { phone: '12345', password: 'short', smsCode: '123456' } });
      assert.equal(res.status, 400);
      assert.equal(res.body.error.code, 'VALIDATION_ERROR');
      const byField = new Map<string, string[]>();
      for (const d of res.body.error.details as Array<{ field: string; message: string }>) {
        byField.set(d.field, [...(byField.get(d.field) ?? []), d.message]);
      }
      assert.deepEqual([...byField.keys()].sort(), ['password', 'phone', 'realName']);
      assert.ok(byField.get('password')!.includes('must be at least 8 characters'));
      assert.ok(byField.get('password')!.includes('must contain a digit'));
      assert.deepEqual(byField.get('realName'), ['is required']);
    });

    it('when the password has no letter, then 400 says so on the password field', async () => {
      const res = await http('POST', `${cp.url}/api/auth/register`, {
        body: { phone: uniquePhone(), password: '1234567890', realName: '赵老师', smsCode: '123456' },
      });
      assert.equal(res.status, 400);
      assert.deepEqual(res.body.error.details, [{ field: 'password', message: 'must contain a letter' }]);
    });
  });

  describe('sign in', () => {
    it('when the password is right, then tokens come back with the live tenants, most recently used first', async () => {
      const user = await registerUser(cp);
      const older = await insertTenant(cp, { name: '阳光幼儿园' });
      const newer = await insertTenant(cp, { name: '彩虹幼儿园' });
      const suspended = await insertTenant(cp, { status: 'suspended' });
      const deleted = await insertTenant(cp, { status: 'deleted' });
      const other = await insertTenant(cp);
      await bindUser(cp, user.globalUserId, older, 'teacher', new Date(Date.now() - 86_400_000));
      await bindUser(cp, user.globalUserId, newer, 'admin', new Date());
      await bindUser(cp, user.globalUserId, suspended, 'teacher');
      await bindUser(cp, user.globalUserId, deleted, 'teacher');
      void other; // exists but not bound: never listed

      const res = await http('POST', `${cp.url}/api/auth/login`, { body: { phone: user.phone, password: user.password } });
      assert.equal(res.status, 200);
      const data = res.body.data;
      assert.equal(data.globalUserId, user.globalUserId);
      assert.equal(data.phone, user.phone);
      assert.equal(data.realName, user.realName);
      assert.equal(data.expiresIn, 3600);
      assert.ok(data.refreshToken.length >= 40);
      assert.equal(claimsOf(data.token).sub, String(user.globalUserId));
      assert.deepEqual(
        data.tenants.map((t: any) => [t.tenantCode, t.role, t.status]),
        [
          [newer, 'admin', 'active'],
          [older, 'teacher', 'active'],
          [suspended, 'teacher', 'suspended'],
        ],
      );
      assert.equal(data.tenants[0].tenantName, '彩虹幼儿园');
      assert.equal(data.tenants[0].domain, `${newer}.localhost`);

      const listed = await http('GET', `${cp.url}/api/auth/tenants`, { token: data.token });
      assert.equal(listed.status, 200);
      assert.deepEqual(listed.body.data, data.tenants);
    });

    it('when the password is wrong or the phone unknown, then the same 401 answers and login_history records both', async () => {
      const user = await registerUser(cp);
      const unknownPhone = uniquePhone();
      const wrong = await http('POST', `${cp.url}/api/auth/login`, { body: { phone: user.phone, password: 'wrong1pass' } });
      const unknown = await http('POST', `${cp.url}/api/auth/login`, { body: { phone: unknownPhone, password: 'wrong1pass' } });
      assert.equal(wrong.status, 401);
      assert.equal(unknown.status, 401);
      assert.equal(wrong.body.error.code, 'INVALID_CREDENTIALS');
      assert.deepEqual(unknown.body.error, wrong.body.error);
      await loginUser(cp, user.phone);

      const history = await rows(
        cp,
        "SELECT identifier, subject_id, success, failure_reason FROM login_history WHERE subject_type = 'user' AND identifier IN (?, ?) ORDER BY id",
        [user.phone, unknownPhone],
      );
      assert.deepEqual(
        history.map((h) => [h.identifier, h.subject_id, h.success, h.failure_reason]),
        [
          [user.phone, user.globalUserId, 0, 'invalid_password'],
          [unknownPhone, null, 0, 'unknown_account'],
          [user.phone, user.globalUserId, 1, null],
        ],
      );
      const [counter] = await rows(cp, 'SELECT failed_login_attempts FROM global_users WHERE id = ?', [user.globalUserId]);
      assert.equal(counter!.failed_login_attempts, 0, 'a success resets the counter');
    });

    it('when the account is suspended, then the right password gets 403 ACCOUNT_DISABLED and a wrong one 401', async () => {
      const user = await registerUser(cp);
      await cp.db.query("UPDATE global_users SET status = 'suspended' WHERE id = ?", [user.globalUserId]);
      const right = await http('POST', `${cp.url}/api/auth/login`, { body: { phone: user.phone, password: user.password } });
      assert.equal(right.status, 403);
      assert.equal(right.body.error.code, 'ACCOUNT_DISABLED');
      const wrong = await http('POST', `${cp.url}/api/auth/login`, { body: { phone: user.phone, password: 'wrong1pass' } });
      assert.equal(wrong.status, 401);
    });

    it('when the body misses the password, then 400 with a field error', async () => {
      const res = await http('POST', `${cp.url}/api/auth/login`, { body: { phone: uniquePhone() } });
      assert.equal(res.status, 400);
      assert.deepEqual(res.body.error.details, [{ field: 'password', message: 'is required' }]);
    });
  });

  describe('profile and tenant switch', () => {
    it('when /api/auth/me is called, then it returns the profile without tenant claims', async () => {
      const user = await registerUser(cp);
      const { token } = await loginUser(cp, user.phone);
      const res = await http('GET', `${cp.url}/api/auth/me`, { token });
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.data, {
        globalUserId: user.globalUserId,
        phone: user.phone,
        realName: user.realName,
        email: null,
        status: 'active',
      });
    });

    it('when a bound user switches tenant, then the token carries tenant and role and the binding counts the login', async () => {
      const user = await registerUser(cp);
      const code = await insertTenant(cp, { name: '星星幼儿园' });
      await bindUser(cp, user.globalUserId, code, 'principal');
      const { token } = await loginUser(cp, user.phone);

      const res = await http('POST', `${cp.url}/api/auth/switch-tenant`, { token, body: { tenantCode: code } });
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.data.tenant, { tenantCode: code, tenantName: '星星幼儿园', domain: `${code}.localhost`, role: 'principal' });
      const claims = claimsOf(res.body.data.token);
      assert.equal(claims.tenant, code);
      assert.equal(claims.role, 'principal');
      assert.equal(claims.sub, String(user.globalUserId));
      assert.ok(res.body.data.refreshToken);

      const me = await http('GET', `${cp.url}/api/auth/me`, { token: res.body.data.token });
      assert.equal(me.body.data.tenant, code);
      assert.equal(me.body.data.role, 'principal');

      await http('POST', `${cp.url}/api/auth/switch-tenant`, { token, body: { tenantCode: code } });
      const [binding] = await rows(
        cp,
        'SELECT login_count, first_login_at, last_login_at FROM global_user_tenant_relations WHERE global_user_id = ? AND tenant_code = ?',
        [user.globalUserId, code],
      );
      assert.equal(binding!.login_count, 2);
      assert.ok(binding!.first_login_at instanceof Date);
      assert.ok(binding!.last_login_at >= binding!.first_login_at);
      const logs = await rows(cp, "SELECT tenant_code FROM unified_auth_logs WHERE event_type = 'switch_tenant' AND subject_id = ?", [
        user.globalUserId,
      ]);
      assert.deepEqual(logs.map((l) => l.tenant_code), [code, code]);
    });

    it('when the tenant cannot be used, then switch-tenant answers 404, 403 or 410 by the reason', async () => {
      const user = await registerUser(cp);
      const notBound = await insertTenant(cp);
      const suspended = await insertTenant(cp, { status: 'suspended' });
      const deleted = await insertTenant(cp, { status: 'deleted' });
      const provisioning = await insertTenant(cp, { status: 'provisioning' });
      for (const code of [suspended, deleted, provisioning]) await bindUser(cp, user.globalUserId, code);
      const { token } = await loginUser(cp, user.phone);
      const attempt = (tenantCode: string) => http('POST', `${cp.url}/api/auth/switch-tenant`, { token, body: { tenantCode } });

      const cases: Array<[string, number, string]> = [
        ['k999999999', 404, 'TENANT_NOT_FOUND'],
        [notBound, 403, 'NOT_BOUND_TO_TENANT'],
        [suspended, 403, 'TENANT_SUSPENDED'],
        [deleted, 410, 'TENANT_DELETED'],
        [provisioning, 403, 'TENANT_NOT_READY'],
      ];
      for (const [code, status, errorCode] of cases) {
        const res = await attempt(code);
        assert.equal(res.status, status, `${code}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.error.code, errorCode);
      }
    });
  });
});

describe('global-user auth: lockout after repeated failures', () => {
  let cp: TestControlPlane;
  before(async () => {
    cp = await startControlPlane('authlock', { AUTH_MAX_FAILED_ATTEMPTS: '3', AUTH_LOCKOUT_MINUTES: '15' });
  });
  after(async () => {
    await cp?.close();
  });

  const attempt = (phone: string, password: string) => http('POST', `${cp.url}/api/auth/login`, { body: { phone, password } });

  it('when 3 wrong passwords in a row, then even the right password is refused with 403 ACCOUNT_LOCKED and Retry-After', async () => {
    const user = await registerUser(cp);
    for (let i = 0; i < 3; i++) assert.equal((await attempt(user.phone, 'wrong1pass')).status, 401);

    const locked = await attempt(user.phone, user.password);
    assert.equal(locked.status, 403);
    assert.equal(locked.body.error.code, 'ACCOUNT_LOCKED');
    const lockedUntil = new Date(locked.body.error.details.lockedUntil);
    const minutesLeft = (lockedUntil.getTime() - Date.now()) / 60_000;
    assert.ok(minutesLeft > 14 && minutesLeft <= 15.1, `locked for ~15 minutes, got ${minutesLeft}`);
    const retryAfter = Number(locked.headers.get('retry-after'));
    assert.ok(retryAfter > 14 * 60 && retryAfter <= 15 * 60 + 5, `Retry-After ${retryAfter}`);

    const [row] = await rows(cp, 'SELECT status, failed_login_attempts FROM global_users WHERE id = ?', [user.globalUserId]);
    assert.equal(row!.status, 'locked');
    assert.equal(row!.failed_login_attempts, 3);
    const events = await rows(cp, "SELECT severity FROM security_events WHERE event_type = 'account_locked' AND subject_type = 'user' AND subject_id = ?", [
      String(user.globalUserId),
    ]);
    assert.equal(events.length, 1);
    const history = await rows(cp, 'SELECT failure_reason FROM login_history WHERE identifier = ? ORDER BY id', [user.phone]);
    assert.deepEqual(history.map((h) => h.failure_reason), ['invalid_password', 'invalid_password', 'invalid_password', 'account_locked']);
  });

  it('when the lock has expired, then the right password signs in and the account is active again', async () => {
    const user = await registerUser(cp);
    for (let i = 0; i < 3; i++) await attempt(user.phone, 'wrong1pass');
    assert.equal((await attempt(user.phone, user.password)).status, 403);
    await cp.db.query('UPDATE global_users SET locked_until = NOW(3) - INTERVAL 1 SECOND WHERE id = ?', [user.globalUserId]);

    const res = await attempt(user.phone, user.password);
    assert.equal(res.status, 200);
    const [row] = await rows(cp, 'SELECT status, failed_login_attempts, locked_until FROM global_users WHERE id = ?', [user.globalUserId]);
    assert.deepEqual([row!.status, row!.failed_login_attempts, row!.locked_until], ['active', 0, null]);
  });

  it('when the lock has expired and the password is wrong again, then the counter restarts instead of re-locking', async () => {
    const user = await registerUser(cp);
    for (let i = 0; i < 3; i++) await attempt(user.phone, 'wrong1pass');
    await cp.db.query('UPDATE global_users SET locked_until = NOW(3) - INTERVAL 1 SECOND WHERE id = ?', [user.globalUserId]);
    assert.equal((await attempt(user.phone, 'wrong1pass')).status, 401);
    assert.equal((await attempt(user.phone, user.password)).status, 200);
  });

  it('when wrong passwords arrive concurrently, then every one counts and the lock is raised once', async () => {
    const user = await registerUser(cp);
    const results = await Promise.all(Array.from({ length: 3 }, () => attempt(user.phone, 'wrong1pass')));
    assert.deepEqual(results.map((r) => r.status), [401, 401, 401]);
    const [row] = await rows(cp, 'SELECT status, failed_login_attempts FROM global_users WHERE id = ?', [user.globalUserId]);
    assert.equal(row!.failed_login_attempts, 3);
    assert.equal(row!.status, 'locked');
    const events = await rows(cp, "SELECT id FROM security_events WHERE event_type = 'account_locked' AND subject_id = ?", [
      String(user.globalUserId),
    ]);
    assert.equal(events.length, 1);
    assert.equal((await attempt(user.phone, user.password)).status, 403);
  });

  it('when a sign-in succeeds before the limit, then the failure counter starts again', async () => {
    const user = await registerUser(cp);
    await attempt(user.phone, 'wrong1pass');
    await attempt(user.phone, 'wrong1pass');
    assert.equal((await attempt(user.phone, user.password)).status, 200);
    await attempt(user.phone, 'wrong1pass');
    await attempt(user.phone, 'wrong1pass');
    assert.equal((await attempt(user.phone, user.password)).status, 200, 'two fresh failures do not lock');
  });
});

describe('global-user auth: hashing does not stall the server', () => {
  let cp: TestControlPlane;
  before(async () => {
    cp = await startControlPlane('authloop', { BCRYPT_COST: '10' });
  });
  after(async () => {
    await cp?.close();
  });

  it('when 5 sign-ins hash passwords at cost 10, then health checks keep answering meanwhile', async () => {
    const users = [];
    for (let i = 0; i < 5; i++) users.push(await registerUser(cp));
    const started = performance.now();
    const loginDurations: number[] = [];
    let loginsDone = false;
    const logins = Promise.all(
      users.map(async (u) => {
        await loginUser(cp, u.phone);
        loginDurations.push(performance.now() - started);
      }),
    ).finally(() => {
      loginsDone = true;
    });

    const healthDurations: number[] = [];
    while (!loginsDone) {
      const t = performance.now();
      const res = await http('GET', `${cp.url}/api/health`);
      assert.equal(res.status, 200);
      if (!loginsDone) healthDurations.push(performance.now() - t);
    }
    await logins;
    const fastestLogin = Math.min(...loginDurations);
    // With bcryptjs on the event loop (its async API yields only every 100 ms, all queued chunks
    // in one turn) 3-4 health answers slip in; off-thread, over a hundred do.
    assert.ok(healthDurations.length >= 20, `only ${healthDurations.length} health answers during the logins`);
    const slowestHealth = Math.max(...healthDurations);
    assert.ok(slowestHealth < fastestLogin, `health ${slowestHealth.toFixed(1)} ms vs fastest login ${fastestLogin.toFixed(1)} ms`);
  });
});
