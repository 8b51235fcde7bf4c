import assert from 'node:assert/strict';
import { createLogger, listen, type RowDataPacket } from '@kg/shared';
import { http } from '@kg/shared/testing';
import { createApp } from '../src/http/app';
import { buildContext, closeContext } from '../src/internal/build-context';
import { phone } from './helpers/catalogue';
import { startTenantStack, tenantHeader, type TenantStack, type TestTenant, type TestUser } from './helpers/harness';

/**
 * Staff management inside a tenant (docs/staff-app.md): add by phone with a one-time password,
 * roles, disable within a second on every instance, remove, custom roles, the plan's user limit,
 * the repair of a change interrupted half-way, the operation log, and the attacks on all of it.
 */
describe('tenant app: staff management', function () {
  this.timeout(120_000);
  let stack: TenantStack;
  let a: TestTenant;
  let b: TestTenant;
  let adminA: TestUser;
  let adminB: TestUser;
  let teacherA: TestUser;
  let staffOfB: number;

  const api = (method: string, path: string, token: string, body?: unknown, code = a.code) =>
    http(method, `${stack.url}${path}`, { headers: tenantHeader(code), token, body });
  const signIn = async (phoneNo: string, password: string) => {
    const res = await http('POST', `${stack.cp.url}/api/auth/login`, { body: { phone: phoneNo, password } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.data as { token: string; mustChangePassword?: boolean; globalUserId: number };
  };
  /** Signs in with the one-time password, changes it, signs in again: a token the tenant app accepts. */
  const firstSignIn = async (phoneNo: string, otp: string) => {
    const first = await signIn(phoneNo, otp);
    const changed = await http('POST', `${stack.cp.url}/api/auth/change-password`, {
      token: first.token,
      body: { currentPassword: otp, newPassword: 'Kinder2026ok' },
    });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    return (await signIn(phoneNo, 'Kinder2026ok')).token;
  };
  const tenantRows = async (t: TestTenant, sql: string, params: unknown[] = []) => {
    const conn = await stack.tenantConn(t);
    try {
      return (await conn.query<RowDataPacket[]>(sql, params))[0];
    } finally {
      await conn.end();
    }
  };

  before(async () => {
    stack = await startTenantStack('staff');
    a = await stack.createTenant('k301');
    b = await stack.createTenant('k302');
    adminA = await stack.addUser(a, 'admin');
    adminB = await stack.addUser(b, 'admin');
    teacherA = await stack.addUser(a, 'teacher');
    const added = await api('POST', '/api/staff', adminB.token, { phone: phone(), realName: 'Staff of B', role: 'teacher' }, b.code);
    assert.equal(added.status, 201, JSON.stringify(added.body));
    staffOfB = added.body.data.member.id;
  });
  after(async () => {
    await stack?.close();
  });

  describe('adding a member', () => {
    let otp: string;
    let memberId: number;
    const newPhone = phone();

    it('when a tenant admin adds a new phone as teacher, then the account is created and its one-time password is answered once', async () => {
      const res = await api('POST', '/api/staff', adminA.token, { phone: newPhone, realName: 'Li Hua', role: 'teacher' });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      otp = res.body.data.oneTimePassword;
      assert.match(otp, /^.{20}$/);
      memberId = res.body.data.member.id;
      assert.deepEqual(
        { phone: res.body.data.member.phone, role: res.body.data.member.role, status: res.body.data.member.status, inSync: res.body.data.member.inSync },
        { phone: newPhone, role: 'teacher', status: 'active', inSync: true },
      );
      const got = await api('GET', `/api/staff/${memberId}`, adminA.token);
      assert.equal(got.status, 200);
      assert.equal(got.body.data.oneTimePassword, undefined, 'never shown again');
    });

    it('when the new member signs in with it, then only a password change is allowed, and afterwards the tenant app knows them as teacher', async () => {
      const first = await signIn(newPhone, otp);
      assert.equal(first.mustChangePassword, true);
      const refused = await api('GET', '/api/me', first.token);
      assert.equal(refused.status, 403);
      assert.equal(refused.body.error.code, 'PASSWORD_CHANGE_REQUIRED');
      const token = await firstSignIn(newPhone, otp);
      const me = await api('GET', '/api/me', token);
      assert.equal(me.status, 200, JSON.stringify(me.body));
      assert.deepEqual(me.body.data.roles, ['teacher']);
    });

    it('when the same phone is added again, then 409 STAFF_EXISTS and nothing changes', async () => {
      const res = await api('POST', '/api/staff', adminA.token, { phone: newPhone, role: 'admin' });
      assert.equal(res.status, 409);
      assert.equal(res.body.error.code, 'STAFF_EXISTS');
      assert.equal((await api('GET', `/api/staff/${memberId}`, adminA.token)).body.data.role, 'teacher');
    });

    it('when a phone that already has an account (in another tenant) is added, then no password is answered and it joins with its role', async () => {
      const bPhone = (await api('GET', `/api/staff/${staffOfB}`, adminB.token, undefined, b.code)).body.data.phone;
      const res = await api('POST', '/api/staff', adminA.token, { phone: bPhone, role: 'viewer' });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.data.oneTimePassword, undefined);
      assert.equal(res.body.data.member.id, staffOfB);
      const list = await api('GET', '/api/staff?pageSize=100', adminA.token);
      assert.ok(list.body.data.items.some((m: { id: number; role: string }) => m.id === staffOfB && m.role === 'viewer'));
      // Still a teacher in B: the two tenants' memberships are separate.
      assert.equal((await api('GET', `/api/staff/${staffOfB}`, adminB.token, undefined, b.code)).body.data.role, 'teacher');
      assert.equal((await api('DELETE', `/api/staff/${staffOfB}`, adminA.token)).status, 200);
    });

    it('when a new phone comes without a name or with an unknown role, then 400 names the field', async () => {
      const noName = await api('POST', '/api/staff', adminA.token, { phone: phone(), role: 'teacher' });
      assert.equal(noName.status, 400);
      assert.deepEqual(noName.body.error.details.map((d: { field: string }) => d.field), ['realName']);
      const badRole = await api('POST', '/api/staff', adminA.token, { phone: phone(), realName: 'X', role: 'overlord' });
      assert.equal(badRole.status, 400);
      assert.deepEqual(badRole.body.error.details.map((d: { field: string }) => d.field), ['role']);
    });
  });

  describe('attacks', () => {
    it('when a teacher calls every staff and role route, then each answers 403 FORBIDDEN, here and at the control plane directly', async () => {
      const calls: Array<[string, string, unknown?]> = [
        ['GET', '/api/staff'],
        ['POST', '/api/staff', { phone: phone(), realName: 'Evil', role: 'admin' }],
        ['GET', `/api/staff/${adminA.globalUserId}`],
        ['PUT', `/api/staff/${adminA.globalUserId}`, { status: 'disabled' }],
        ['DELETE', `/api/staff/${adminA.globalUserId}`],
        ['GET', '/api/roles'],
        ['POST', '/api/roles', { code: 'evil', name: 'Evil', permissions: ['staff:write'] }],
        ['PUT', '/api/roles/2', { permissions: ['staff:write'] }],
        ['DELETE', '/api/roles/2'],
      ];
      for (const [method, path, body] of calls) {
        const res = await api(method, path, teacherA.token, body);
        assert.equal(res.status, 403, `${method} ${path}`);
        assert.equal(res.body.error.code, 'FORBIDDEN', `${method} ${path}`);
        const direct = await http(method, `${stack.cp.url}${path.replace('/api/', '/api/v1/')}`, { headers: tenantHeader(a.code), token: teacherA.token, body });
        assert.equal(direct.status, 403, `control plane ${method} ${path}`);
      }
      const admins = await tenantRows(a, "SELECT COUNT(*) AS n FROM users u JOIN user_roles ur ON ur.user_id = u.id JOIN roles r ON r.id = ur.role_id WHERE r.code = 'admin' AND u.status = 'active'");
      assert.equal(Number(admins[0]!.n), 1, 'no admin was added or removed');
    });

    it("when A's admin names another tenant's member by id, then 404, and B's member is untouched", async () => {
      for (const [method, body] of [['GET'], ['PUT', { status: 'disabled' }], ['PUT', { role: 'admin' }], ['DELETE']] as Array<[string, unknown?]>) {
        const res = await api(method, `/api/staff/${staffOfB}`, adminA.token, body);
        assert.equal(res.status, 404, `${method} ${JSON.stringify(body)}: ${JSON.stringify(res.body)}`);
      }
      const inB = await api('GET', `/api/staff/${staffOfB}`, adminB.token, undefined, b.code);
      assert.deepEqual([inB.body.data.role, inB.body.data.status], ['teacher', 'active']);
    });

    it("when A's admin points the request at B (header, or straight at the control plane), then 403 NOT_BOUND_TO_TENANT", async () => {
      const viaApp = await api('POST', '/api/staff', adminA.token, { phone: phone(), realName: 'Evil', role: 'admin' }, b.code);
      assert.equal(viaApp.status, 403);
      assert.equal(viaApp.body.error.code, 'NOT_BOUND_TO_TENANT');
      const direct = await http('POST', `${stack.cp.url}/api/v1/staff`, { headers: tenantHeader(b.code), token: adminA.token, body: { phone: phone(), realName: 'Evil', role: 'admin' } });
      assert.equal(direct.status, 403);
      assert.equal(direct.body.error.code, 'NOT_BOUND_TO_TENANT');
      const scoped = await http('GET', `${stack.cp.url}/api/v1/staff`, { headers: tenantHeader(b.code), token: adminA.scopedToken });
      assert.equal(scoped.status, 403);
    });

    it('when the input is hostile, then 400 with field errors and no statement runs it', async () => {
      const cases: Array<[string, string, unknown, string]> = [
        ['POST', '/api/staff', { phone: "13800000000' OR '1'='1", realName: 'X', role: 'teacher' }, 'phone'],
        ['POST', '/api/staff', { phone: phone(), realName: 'X', role: "admin' --" }, 'role'],
        ['POST', '/api/staff', { phone: phone(), realName: 'x'.repeat(5000), role: 'teacher' }, 'realName'],
        ['POST', '/api/staff', { phone: phone(), realName: 'X', role: 'teacher', tenantCode: 'k302' }, ''],
        ['PUT', `/api/staff/${teacherA.globalUserId}`, { status: 'root' }, 'status'],
        ['PUT', `/api/staff/${teacherA.globalUserId}`, {}, ''],
        ['POST', '/api/roles', { code: 'Robert"); DROP TABLE roles;--', name: 'x', permissions: [] }, 'code'],
        ['POST', '/api/roles', { code: 'sneaky', name: 'x', permissions: ['classes:read', 'root:all'] }, 'permissions'],
      ];
      for (const [method, path, body, field] of cases) {
        const res = await api(method, path, adminA.token, body);
        assert.equal(res.status, 400, `${JSON.stringify(body)} -> ${res.status} ${JSON.stringify(res.body)}`);
        if (field) assert.ok(res.body.error.details.some((d: { field: string }) => d.field === field), JSON.stringify(res.body.error));
      }
      assert.equal((await api('GET', '/api/staff/1%20OR%201=1', adminA.token)).status, 400);
      const roles = await tenantRows(a, 'SELECT COUNT(*) AS n FROM roles');
      assert.equal(Number(roles[0]!.n), 4);
    });

    it('when a tenant admin tries to disable, demote or remove themselves, then 409 and they stay admin', async () => {
      for (const [method, body] of [['PUT', { status: 'disabled' }], ['PUT', { role: 'viewer' }], ['DELETE']] as Array<[string, unknown?]>) {
        const res = await api(method, `/api/staff/${adminA.globalUserId}`, adminA.token, body);
        assert.equal(res.status, 409, method);
        assert.equal(res.body.error.code, 'STAFF_SELF');
      }
      assert.equal((await api('GET', '/api/me', adminA.token)).body.data.roles[0], 'admin');
    });
  });

  describe('disable, enable, role change, remove', () => {
    let member: { id: number; phone: string; token: string };
    let second: { url: string; close(): Promise<void> };

    before(async () => {
      const p = phone();
      const added = await api('POST', '/api/staff', adminA.token, { phone: p, realName: 'Wang Fang', role: 'teacher' });
      assert.equal(added.status, 201);
      member = { id: added.body.data.member.id, phone: p, token: await firstSignIn(p, added.body.data.oneTimePassword) };
      // A second tenant-app instance on the same stores: the refusal must reach every instance.
      const ctx2 = await buildContext(stack.config, createLogger('tenant-app-2', 'silent'));
      const server = await listen(createApp(ctx2), 0, '127.0.0.1');
      second = { url: server.url, close: async () => { await server.close(1000); await closeContext(ctx2); } };
    });
    after(async () => {
      await second?.close();
    });

    it('when a member is disabled, then their token is refused on both instances within 1 s', async () => {
      for (const url of [stack.url, second.url]) {
        assert.equal((await http('GET', `${url}/api/classes`, { headers: tenantHeader(a.code), token: member.token })).status, 200);
      }
      const started = Date.now();
      const res = await api('PUT', `/api/staff/${member.id}`, adminA.token, { status: 'disabled' });
      assert.equal(res.status, 200);
      assert.deepEqual([res.body.data.status, res.body.data.inSync], ['disabled', true]);
      for (const url of [stack.url, second.url]) {
        for (;;) {
          const r = await http('GET', `${url}/api/classes`, { headers: tenantHeader(a.code), token: member.token });
          if (r.status === 401 || r.status === 403) break;
          assert.ok(Date.now() - started < 1000, `still served after ${Date.now() - started} ms on ${url}`);
          await new Promise((r2) => setTimeout(r2, 20));
        }
      }
      // A fresh sign-in does not get them in either: the membership itself is disabled.
      const again = await signIn(member.phone, 'Kinder2026ok');
      assert.equal((await api('GET', '/api/me', again.token)).status, 403);
      const row = await tenantRows(a, 'SELECT status FROM users WHERE global_user_id = ?', [member.id]);
      assert.equal(row[0]!.status, 'inactive');
    });

    it('when the member is enabled and given the staff role, then a new sign-in works with the new role', async () => {
      const res = await api('PUT', `/api/staff/${member.id}`, adminA.token, { status: 'active', role: 'staff' });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      member.token = (await signIn(member.phone, 'Kinder2026ok')).token;
      const me = await api('GET', '/api/me', member.token);
      assert.equal(me.status, 200);
      assert.deepEqual(me.body.data.roles, ['staff']);
    });

    it('when the role changes, then the next request on both instances has the new permissions', async () => {
      for (const url of [stack.url, second.url]) {
        assert.equal((await http('GET', `${url}/api/me`, { headers: tenantHeader(a.code), token: member.token })).body.data.roles[0], 'staff');
      }
      assert.equal((await api('PUT', `/api/staff/${member.id}`, adminA.token, { role: 'viewer' })).status, 200);
      await new Promise((r) => setTimeout(r, 200));
      for (const url of [stack.url, second.url]) {
        const res = await http('POST', `${url}/api/todos`, { headers: tenantHeader(a.code), token: member.token, body: { title: 'x' } });
        assert.equal(res.status, 403, url);
      }
    });

    it('when the member is removed, then they are refused, gone from the list, and a second remove is 404', async () => {
      const res = await api('DELETE', `/api/staff/${member.id}`, adminA.token);
      assert.equal(res.status, 200);
      const started = Date.now();
      for (;;) {
        const r = await api('GET', '/api/me', member.token);
        if (r.status === 401 || r.status === 403) break;
        assert.ok(Date.now() - started < 1000);
        await new Promise((r2) => setTimeout(r2, 20));
      }
      const list = await api('GET', '/api/staff?pageSize=100', adminA.token);
      assert.ok(!list.body.data.items.some((m: { id: number }) => m.id === member.id));
      assert.equal((await api('DELETE', `/api/staff/${member.id}`, adminA.token)).status, 404);
      const rows = await tenantRows(a, 'SELECT u.status, COUNT(ur.role_id) AS roles FROM users u LEFT JOIN user_roles ur ON ur.user_id = u.id WHERE u.global_user_id = ? GROUP BY u.id', [member.id]);
      assert.deepEqual([rows[0]!.status, Number(rows[0]!.roles)], ['inactive', 0]);
    });
  });

  describe('a change interrupted half-way', () => {
    /**
     * Makes the tenant side's writes fail while `fn` runs (triggers refuse every insert and update
     * of the tenant's users), as a crash between the two writes would leave it. Reads still work.
     */
    const withTenantSideFailing = async (fn: () => Promise<void>) => {
      const conn = await stack.tenantConn(a);
      try {
        for (const op of ['INSERT', 'UPDATE']) {
          await conn.query(`CREATE TRIGGER injected_${op.toLowerCase()} BEFORE ${op} ON users FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected failure'`);
        }
        await fn();
      } finally {
        for (const op of ['insert', 'update']) await conn.query(`DROP TRIGGER IF EXISTS injected_${op}`);
        await conn.end();
      }
    };

    it('when an add fails after the binding was written, then the member shows out of sync without a tenant user, and the retry completes it with a fresh one-time password', async () => {
      const p = phone();
      let failed: { status: number } | undefined;
      await withTenantSideFailing(async () => {
        failed = await api('POST', '/api/staff', adminA.token, { phone: p, realName: 'Half Way', role: 'teacher' });
      });
      assert.equal(failed!.status, 500);
      const [[user]] = await stack.cp.db.query<RowDataPacket[]>('SELECT id FROM global_users WHERE phone = ?', [p]);
      const [[binding]] = await stack.cp.db.query<RowDataPacket[]>('SELECT status FROM global_user_tenant_relations WHERE global_user_id = ? AND tenant_code = ?', [user!.id, a.code]);
      assert.equal(binding!.status, 'active', 'the control side was written');
      assert.deepEqual(await tenantRows(a, 'SELECT id FROM users WHERE global_user_id = ?', [user!.id]), [], 'the tenant side was not');
      const shown = await api('GET', `/api/staff/${user!.id}`, adminA.token);
      assert.equal(shown.body.data.inSync, false);

      const retry = await api('POST', '/api/staff', adminA.token, { phone: p, realName: 'Half Way', role: 'teacher' });
      assert.equal(retry.status, 201, JSON.stringify(retry.body));
      assert.equal(retry.body.data.member.inSync, true);
      assert.equal(retry.body.data.member.id, Number(user!.id), 'the same account, not a second one');
      const token = await firstSignIn(p, retry.body.data.oneTimePassword);
      assert.deepEqual((await api('GET', '/api/me', token)).body.data.roles, ['teacher']);
    });

    it('when a disable fails after the binding was written, then access has already ended, and repeating it brings the tenant side in line', async () => {
      const p = phone();
      const added = await api('POST', '/api/staff', adminA.token, { phone: p, realName: 'Half Off', role: 'teacher' });
      const id = added.body.data.member.id;
      const token = await firstSignIn(p, added.body.data.oneTimePassword);
      await withTenantSideFailing(async () => {
        assert.equal((await api('PUT', `/api/staff/${id}`, adminA.token, { status: 'disabled' })).status, 500);
        assert.equal((await api('GET', '/api/me', token)).status >= 401, true);
      });
      assert.equal((await api('GET', `/api/staff/${id}`, adminA.token)).body.data.inSync, false);
      const retry = await api('PUT', `/api/staff/${id}`, adminA.token, { status: 'disabled' });
      assert.equal(retry.status, 200);
      assert.deepEqual([retry.body.data.status, retry.body.data.inSync], ['disabled', true]);
    });
  });

  describe('custom roles', () => {
    let roleId: number;
    let holder: { id: number; token: string };

    it('when an admin creates a role with chosen permissions and gives it to a member, then the member has exactly those', async () => {
      const res = await api('POST', '/api/roles', adminA.token, { code: 'nurse', name: 'School nurse', permissions: ['students:read', 'todos:read', 'todos:write'] });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      roleId = res.body.data.id;
      assert.equal(res.body.data.isSystem, false);
      const p = phone();
      const added = await api('POST', '/api/staff', adminA.token, { phone: p, realName: 'Nurse Ma', role: 'nurse' });
      assert.equal(added.status, 201, JSON.stringify(added.body));
      holder = { id: added.body.data.member.id, token: await firstSignIn(p, added.body.data.oneTimePassword) };
      const me = await api('GET', '/api/me', holder.token);
      assert.deepEqual(me.body.data.permissions, ['students:read', 'todos:read', 'todos:write']);
      assert.equal((await api('POST', '/api/todos', holder.token, { title: 'Check temperatures' })).status, 201);
      assert.equal((await api('POST', '/api/classes', holder.token, { name: 'No', grade: 'small', academicYear: '2026-2027' })).status, 403);
    });

    it("when the role's permissions change, then its holder's next request has the new set", async () => {
      const res = await api('PUT', `/api/roles/${roleId}`, adminA.token, { permissions: ['students:read'] });
      assert.equal(res.status, 200);
      await new Promise((r) => setTimeout(r, 200));
      assert.equal((await api('POST', '/api/todos', holder.token, { title: 'Again' })).status, 403);
      assert.deepEqual((await api('GET', '/api/me', holder.token)).body.data.permissions, ['students:read']);
    });

    it('when a role is held, built in, or its code taken, then 409; when nobody holds it, it is deleted', async () => {
      assert.equal((await api('DELETE', `/api/roles/${roleId}`, adminA.token)).body.error.code, 'ROLE_IN_USE');
      assert.equal((await api('PUT', '/api/roles/1', adminA.token, { permissions: [] })).body.error.code, 'ROLE_IS_SYSTEM');
      assert.equal((await api('DELETE', '/api/roles/2', adminA.token)).body.error.code, 'ROLE_IS_SYSTEM');
      assert.equal((await api('POST', '/api/roles', adminA.token, { code: 'nurse', name: 'Again' })).body.error.code, 'ROLE_EXISTS');
      assert.equal((await api('DELETE', `/api/roles/${roleId}`, adminB.token, undefined, b.code)).status, 404, "B cannot reach A's role");
      assert.equal((await api('PUT', `/api/staff/${holder.id}`, adminA.token, { role: 'viewer' })).status, 200);
      assert.equal((await api('DELETE', `/api/roles/${roleId}`, adminA.token)).status, 200);
      const list = await api('GET', '/api/roles', adminA.token);
      assert.deepEqual(list.body.data.items.map((r: { code: string }) => r.code), ['admin', 'teacher', 'staff', 'viewer']);
      assert.ok(list.body.data.permissions.some((p: { code: string }) => p.code === 'staff:write'));
    });
  });

  describe("the plan's user limit", () => {
    it('when the tenant is at max_users, then adds are refused with 409 USER_LIMIT_REACHED, also when many race', async () => {
      const [[count]] = await stack.cp.db.query<RowDataPacket[]>("SELECT COUNT(*) AS n FROM global_user_tenant_relations WHERE tenant_code = ? AND status = 'active'", [a.code]);
      const limit = Number(count!.n) + 2;
      await stack.cp.db.query('UPDATE tenants SET max_users = ? WHERE tenant_id = ?', [limit, a.code]);
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) => api('POST', '/api/staff', adminA.token, { phone: phone(), realName: `Racer ${i}`, role: 'viewer' })),
      );
      const statuses = results.map((r) => r.status).sort();
      assert.deepEqual(statuses, [201, 201, 409, 409, 409, 409]);
      assert.ok(results.filter((r) => r.status === 409).every((r) => r.body.error.code === 'USER_LIMIT_REACHED'));
      const [[after]] = await stack.cp.db.query<RowDataPacket[]>("SELECT COUNT(*) AS n FROM global_user_tenant_relations WHERE tenant_code = ? AND status = 'active'", [a.code]);
      assert.equal(Number(after!.n), limit);
    });
  });

  describe('the operation log', () => {
    it("when staff and business writes happen, then the tenant's operation_logs say who did what and when", async () => {
      const cls = await api('POST', '/api/classes', teacherA.token, { name: 'Logged class', grade: 'small', academicYear: '2026-2027' });
      assert.equal(cls.status, 201);
      await new Promise((r) => setTimeout(r, 100));
      const rows = await tenantRows(a, 'SELECT user_id, module, action, resource_type, resource_id, created_at FROM operation_logs ORDER BY id');
      const classRow = rows.find((r) => r.module === 'classes' && r.action === 'create');
      assert.ok(classRow, JSON.stringify(rows.map((r) => [r.module, r.action])));
      assert.equal(Number(classRow!.user_id), teacherA.tenantUserId);
      assert.equal(classRow!.resource_id, String(cls.body.data.id));
      const staffActions = rows.filter((r) => r.module === 'staff').map((r) => String(r.action));
      for (const action of ['staff.add', 'staff.update', 'staff.remove']) assert.ok(staffActions.includes(action), action);
      assert.ok(rows.filter((r) => r.module === 'staff').every((r) => Number(r.user_id) === adminA.tenantUserId), 'the admin did them');
      assert.ok(rows.some((r) => r.module === 'roles' && r.action === 'role.create'));
      assert.ok(rows.every((r) => r.created_at instanceof Date));
      const reads = rows.filter((r) => r.action === 'read' || r.module === 'me');
      assert.deepEqual(reads, [], 'reads are not logged');
    });
  });
});
