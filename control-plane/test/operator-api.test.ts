import assert from 'node:assert/strict';
import { http } from '@kg/shared/testing';
import { startControlPlane, type TestControlPlane } from './helpers/harness';
import { bindUser, loginUser, registerUser, uniqueTenantCode } from './helpers/auth-fixtures';
import { auditRows, insertTenant, roleTokens, type RoleTokens } from './helpers/operator-fixtures';

describe('control plane: operator API of the admin console (edit, stats, global users, unbind)', () => {
  let cp: TestControlPlane;
  let tokens: RoleTokens;
  before(async () => {
    cp = await startControlPlane('operator-api');
    tokens = await roleTokens(cp);
  });
  after(async () => {
    await cp?.close();
  });

  describe('PATCH /api/tenants/:code', () => {
    it('when an admin edits name, contact and plan, then the detail shows them and one audit row holds before and after', async () => {
      const code = uniqueTenantCode();
      await insertTenant(cp, { code, name: 'Old name', contactName: 'Li' });
      const res = await http('PATCH', `${cp.url}/api/tenants/${code}`, {
        token: tokens.admin,
        body: { name: 'Sunflower Kindergarten', contactName: 'Zhang San', planType: 'premium', address: '1 Garden Road' },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.data.name, 'Sunflower Kindergarten');
      assert.equal(res.body.data.planType, 'premium');
      assert.equal(res.body.data.address, '1 Garden Road');
      const detail = await http('GET', `${cp.url}/api/tenants/${code}`, { token: tokens.operator });
      assert.equal(detail.body.data.contactName, 'Zhang San');
      const audit = (await auditRows(cp, 'tenant.update')).filter((r) => r.tenant_code === code);
      assert.equal(audit.length, 1);
      assert.deepEqual(audit[0]!.before_data, { name: 'Old name', contactName: 'Li', planType: 'basic', address: null });
      assert.equal(audit[0]!.after_data.name, 'Sunflower Kindergarten');
    });

    it('when an operator tries to edit, then 403 and nothing changes', async () => {
      const code = uniqueTenantCode();
      await insertTenant(cp, { code, name: 'Kept' });
      const res = await http('PATCH', `${cp.url}/api/tenants/${code}`, { token: tokens.operator, body: { name: 'Changed' } });
      assert.equal(res.status, 403);
      const [[row]] = await cp.db.query<any[]>('SELECT name FROM tenants WHERE tenant_id = ?', [code]);
      assert.equal(row.name, 'Kept');
    });

    it('when the body is hostile (unknown column, bad email, SQL in the code, empty), then 400 with field details and nothing changes', async () => {
      const code = uniqueTenantCode();
      await insertTenant(cp, { code, name: 'Safe' });
      const unknown = await http('PATCH', `${cp.url}/api/tenants/${code}`, { token: tokens.admin, body: { status: 'active', database_name: 'mysql' } });
      assert.equal(unknown.status, 400);
      const email = await http('PATCH', `${cp.url}/api/tenants/${code}`, { token: tokens.admin, body: { contactEmail: 'not-an-email' } });
      assert.equal(email.status, 400);
      assert.equal(email.body.error.details[0].field, 'contactEmail');
      const empty = await http('PATCH', `${cp.url}/api/tenants/${code}`, { token: tokens.admin, body: {} });
      assert.equal(empty.status, 400);
      const injected = await http('PATCH', `${cp.url}/api/tenants/${encodeURIComponent("k001' OR '1'='1")}`, { token: tokens.admin, body: { name: 'x' } });
      assert.equal(injected.status, 400);
      const [[row]] = await cp.db.query<any[]>('SELECT name, status FROM tenants WHERE tenant_id = ?', [code]);
      assert.deepEqual({ ...row }, { name: 'Safe', status: 'active' });
    });

    it('when the tenant is deleted, then 410; when unknown, then 404', async () => {
      const code = uniqueTenantCode();
      await insertTenant(cp, { code, status: 'deleted' });
      assert.equal((await http('PATCH', `${cp.url}/api/tenants/${code}`, { token: tokens.admin, body: { name: 'x' } })).status, 410);
      assert.equal((await http('PATCH', `${cp.url}/api/tenants/k99999999`, { token: tokens.admin, body: { name: 'x' } })).status, 404);
    });
  });

  describe('GET /api/tenants sorting', () => {
    it('when sorted by code ascending, then codes come in order; an unknown sort column is 400', async () => {
      const res = await http('GET', `${cp.url}/api/tenants?sort=tenantCode&order=asc&pageSize=100`, { token: tokens.operator });
      assert.equal(res.status, 200);
      const codes: string[] = res.body.data.items.map((t: { tenantCode: string }) => t.tenantCode);
      assert.ok(codes.length >= 2);
      assert.deepEqual(codes, [...codes].sort());
      const bad = await http('GET', `${cp.url}/api/tenants?sort=password_hash`, { token: tokens.operator });
      assert.equal(bad.status, 400);
    });
  });

  describe('GET /api/stats/overview', () => {
    it('when tenants exist in several states and cleanup is due, then the summary counts them and has 30 days of AI usage', async () => {
      const failed = uniqueTenantCode();
      await insertTenant(cp, { code: failed, status: 'failed' });
      await cp.db.query("UPDATE tenants SET provisioning_error = 'clone failed' WHERE tenant_id = ?", [failed]);
      const provisioning = uniqueTenantCode();
      await insertTenant(cp, { code: provisioning, status: 'provisioning' });
      const stuck = uniqueTenantCode();
      await insertTenant(cp, { code: stuck, status: 'provisioning' });
      await cp.db.query('UPDATE tenants SET created_at = NOW(3) - INTERVAL 11 MINUTE WHERE tenant_id = ?', [stuck]);
      const deleted = uniqueTenantCode();
      await insertTenant(cp, { code: deleted, status: 'deleted' });
      await cp.db.query(
        "INSERT INTO tenant_resource_cleanup (tenant_code, resource_type, resource_name, scheduled_deletion_at, status) VALUES (?, 'database', 'rentx', NOW(3) + INTERVAL 3 DAY, 'pending'), (?, 'oss', 'x/', NOW(3) + INTERVAL 20 DAY, 'pending')",
        [deleted, deleted],
      );
      const [[counts]] = await cp.db.query<any[]>("SELECT COUNT(*) AS total, SUM(status = 'failed') AS failed FROM tenants");
      const res = await http('GET', `${cp.url}/api/stats/overview`, { token: tokens.operator });
      assert.equal(res.status, 200);
      const s = res.body.data;
      assert.equal(s.totalTenants, Number(counts.total));
      assert.equal(s.tenantsByStatus.failed, Number(counts.failed));
      assert.ok(s.recentFailures.some((f: any) => f.tenantCode === failed && f.error === 'clone failed'));
      assert.ok(s.provisioningInFlight.some((p: any) => p.tenantCode === provisioning && p.totalSteps === 8 && p.stuck === false));
      assert.ok(s.provisioningInFlight.some((p: any) => p.tenantCode === stuck && p.stuck === true), 'provisioning for over 10 minutes is shown as stuck');
      const mine = s.cleanupDueSoon.items.filter((c: any) => c.tenantCode === deleted);
      assert.equal(mine.length, 1, 'only the entry due within 7 days');
      assert.equal(mine[0].daysLeft, 3);
      assert.equal(s.aiUsage.length, 30);
      assert.ok(s.aiUsage.every((d: any) => d.calls === 0 && d.cost === 0));
    });

    it('when a user token asks, then 401 (wrong audience)', async () => {
      assert.equal((await http('GET', `${cp.url}/api/stats/overview`, { token: tokens.user })).status, 401);
    });
  });

  describe('global users', () => {
    it('when an operator searches by phone, then the user comes with their tenant bindings; hostile search text is just text', async () => {
      const user = await registerUser(cp, { realName: '周老师' });
      const code = uniqueTenantCode();
      await insertTenant(cp, { code });
      await bindUser(cp, user.globalUserId, code, 'teacher');
      const res = await http('GET', `${cp.url}/api/users?q=${user.phone}`, { token: tokens.operator });
      assert.equal(res.status, 200);
      assert.equal(res.body.data.total, 1);
      assert.equal(res.body.data.items[0].realName, '周老师');
      assert.deepEqual(res.body.data.items[0].tenants, [{ tenantCode: code, role: 'teacher', status: 'active' }]);
      const hostile = await http('GET', `${cp.url}/api/users?q=${encodeURIComponent("%' OR 1=1 -- ")}`, { token: tokens.operator });
      assert.equal(hostile.status, 200);
      assert.equal(hostile.body.data.total, 0);
    });

    it('when an admin locks a user, then sign-in answers ACCOUNT_LOCKED and refresh fails; unlock lets them in again; all audited', async () => {
      const user = await registerUser(cp);
      const session = await loginUser(cp, user.phone);
      const lock = await http('POST', `${cp.url}/api/users/${user.globalUserId}/lock`, { token: tokens.admin });
      assert.equal(lock.status, 200, JSON.stringify(lock.body));
      assert.equal(lock.body.data.status, 'locked');
      const denied = await http('POST', `${cp.url}/api/auth/login`, { body: { phone: user.phone, password: user.password } });
      assert.equal(denied.status, 403);
      assert.equal(denied.body.error.code, 'ACCOUNT_LOCKED');
      const refresh = await http('POST', `${cp.url}/api/auth/refresh`, { body: { refreshToken: session.refreshToken } });
      assert.equal(refresh.status, 401);
      const again = await http('POST', `${cp.url}/api/users/${user.globalUserId}/lock`, { token: tokens.admin });
      assert.equal(again.status, 409);
      assert.equal((await http('POST', `${cp.url}/api/users/${user.globalUserId}/unlock`, { token: tokens.admin })).status, 200);
      await loginUser(cp, user.phone);
      const audit = (await auditRows(cp, 'user.lock')).filter((r) => r.target_id === String(user.globalUserId));
      assert.equal(audit.length, 1);
      assert.equal(audit[0]!.before_data.status, 'active');
      assert.equal(audit[0]!.after_data.status, 'locked');
    });

    it('when an admin disables a user, then sign-in answers ACCOUNT_DISABLED', async () => {
      const user = await registerUser(cp);
      assert.equal((await http('POST', `${cp.url}/api/users/${user.globalUserId}/disable`, { token: tokens.admin })).status, 200);
      const denied = await http('POST', `${cp.url}/api/auth/login`, { body: { phone: user.phone, password: user.password } });
      assert.equal(denied.status, 403);
      assert.equal(denied.body.error.code, 'ACCOUNT_DISABLED');
    });

    it('when an admin resets a password, then the one-time password works once and must be changed, the old one fails, and the audit never holds it', async () => {
      const user = await registerUser(cp);
      const res = await http('POST', `${cp.url}/api/users/${user.globalUserId}/reset-password`, { token: tokens.admin });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      const otp: string = res.body.data.oneTimePassword;
      assert.ok(otp.length >= 12);
      assert.equal((await http('POST', `${cp.url}/api/auth/login`, { body: { phone: user.phone, password: user.password } })).status, 401);
      const login = await http('POST', `${cp.url}/api/auth/login`, { body: { phone: user.phone, password: otp } });
      assert.equal(login.status, 200);
      assert.equal(login.body.data.mustChangePassword, true);
      const audit = (await auditRows(cp, 'user.reset-password')).filter((r) => r.target_id === String(user.globalUserId));
      assert.equal(audit.length, 1);
      assert.ok(!JSON.stringify(audit[0]).includes(otp));
    });

    it('when an admin locks, disables or resets the password of a user, then the access token issued before is refused at once and the reason is recorded', async () => {
      const reasons = { lock: 'account_locked', disable: 'account_disabled', 'reset-password': 'password_reset' } as const;
      for (const [action, reason] of Object.entries(reasons)) {
        const user = await registerUser(cp);
        const session = await loginUser(cp, user.phone);
        assert.equal((await http('GET', `${cp.url}/api/auth/me`, { token: session.token })).status, 200);
        assert.equal((await http('POST', `${cp.url}/api/users/${user.globalUserId}/${action}`, { token: tokens.admin })).status, 200);
        assert.equal((await http('GET', `${cp.url}/api/auth/me`, { token: session.token })).status, 401, action);
        const [[row]] = await cp.db.query<any[]>(
          "SELECT reason FROM auth_valid_after WHERE subject_type = 'user' AND subject_id = ?",
          [user.globalUserId],
        );
        assert.equal(row?.reason, reason);
      }
    });

    it('when an operator tries a user action, then 403 and the account is unchanged; an unknown id is 404, a bad id 400', async () => {
      const user = await registerUser(cp);
      assert.equal((await http('POST', `${cp.url}/api/users/${user.globalUserId}/disable`, { token: tokens.operator })).status, 403);
      const [[row]] = await cp.db.query<any[]>('SELECT status FROM global_users WHERE id = ?', [user.globalUserId]);
      assert.equal(row.status, 'active');
      assert.equal((await http('POST', `${cp.url}/api/users/999999999/lock`, { token: tokens.admin })).status, 404);
      assert.equal((await http('POST', `${cp.url}/api/users/1%20OR%201=1/lock`, { token: tokens.admin })).status, 400);
    });
  });

  describe('DELETE /api/tenants/:code/users/:globalUserId', () => {
    it('when an admin unbinds a user, then the binding is gone, switch-tenant is refused, earlier tokens are refused and the audit holds the old role', async () => {
      const user = await registerUser(cp);
      const code = uniqueTenantCode();
      await insertTenant(cp, { code });
      await bindUser(cp, user.globalUserId, code, 'teacher');
      const earlier = await loginUser(cp, user.phone);
      const res = await http('DELETE', `${cp.url}/api/tenants/${code}/users/${user.globalUserId}`, { token: tokens.admin });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const list = await http('GET', `${cp.url}/api/tenants/${code}/users`, { token: tokens.operator });
      assert.equal(list.body.data.total, 0);
      const session = await loginUser(cp, user.phone);
      const sw = await http('POST', `${cp.url}/api/auth/switch-tenant`, { token: session.token, body: { tenantCode: code } });
      assert.equal(sw.status, 403);
      const audit = (await auditRows(cp, 'tenant.user.unbind')).filter((r) => r.tenant_code === code);
      assert.equal(audit.length, 1);
      assert.equal(audit[0]!.before_data.role, 'teacher');
      assert.equal((await http('GET', `${cp.url}/api/auth/me`, { token: earlier.token })).status, 401);
      const [[revoked]] = await cp.db.query<any[]>(
        "SELECT reason FROM auth_valid_after WHERE subject_type = 'user' AND subject_id = ?",
        [user.globalUserId],
      );
      assert.equal(revoked?.reason, 'unbound');
      assert.equal((await http('DELETE', `${cp.url}/api/tenants/${code}/users/${user.globalUserId}`, { token: tokens.admin })).status, 404);
    });

    it('when an operator tries to unbind, then 403 and the binding stays', async () => {
      const user = await registerUser(cp);
      const code = uniqueTenantCode();
      await insertTenant(cp, { code });
      await bindUser(cp, user.globalUserId, code);
      assert.equal((await http('DELETE', `${cp.url}/api/tenants/${code}/users/${user.globalUserId}`, { token: tokens.operator })).status, 403);
      const [[row]] = await cp.db.query<any[]>('SELECT COUNT(*) AS n FROM global_user_tenant_relations WHERE tenant_code = ?', [code]);
      assert.equal(Number(row.n), 1);
    });
  });

  describe('OpenAPI', () => {
    it('when the document is read, then the console operator routes are described', async () => {
      const doc = (await http('GET', `${cp.url}/api/openapi.json`)).body;
      assert.ok(doc.paths['/api/tenants/{code}'].patch);
      assert.ok(doc.paths['/api/stats/overview'].get);
      assert.ok(doc.paths['/api/users'].get);
      for (const a of ['lock', 'unlock', 'disable', 'reset-password']) assert.ok(doc.paths[`/api/users/{id}/${a}`].post, a);
      assert.ok(doc.paths['/api/tenants/{code}/users/{globalUserId}'].delete);
      assert.ok(doc.paths['/api/tenants/{code}/progress/stream-ticket'].post);
    });
  });
});
