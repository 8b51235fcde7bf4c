import assert from 'node:assert/strict';
import type { RowDataPacket } from '@kg/shared';
import { connect } from '@kg/shared';
import { dropDatabases, http, testMysqlTarget, uniqueId } from '@kg/shared/testing';
import { startControlPlane, type TestControlPlane } from './helpers/harness';
import { auditRows, insertGlobalUser, insertTenant, roleTokens, type RoleTokens } from './helpers/operator-fixtures';
import { createTenantDatabase } from './helpers/tenant-database';

async function localServerId(cp: TestControlPlane): Promise<number> {
  const [[row]] = await cp.db.query<RowDataPacket[]>("SELECT id FROM database_servers WHERE name = 'local'");
  return Number(row!.id);
}

describe('tenant registry: list and detail', () => {
  let cp: TestControlPlane;
  let tokens: RoleTokens;
  before(async () => {
    cp = await startControlPlane('tenantlist');
    tokens = await roleTokens(cp);
    const base = Date.UTC(2024, 0, 1);
    // 25 tenants: k101..k125, created one minute apart; every fifth suspended, k125 deleted.
    for (let i = 1; i <= 25; i++) {
      const code = `k${100 + i}`;
      await insertTenant(cp, {
        code,
        name: i === 7 ? 'Sunflower Kindergarten' : `Kindergarten ${i}`,
        domain: `${code}.example.test`,
        status: i === 25 ? 'deleted' : i % 5 === 0 ? 'suspended' : 'active',
        contactPhone: `1380000${String(1000 + i)}`,
        createdAt: new Date(base + i * 60_000),
      });
    }
  });
  after(async () => {
    await cp?.close();
  });

  it('when an operator lists tenants, then the first page holds 20 of 25, newest first', async () => {
    const res = await http('GET', `${cp.url}/api/tenants`, { token: tokens.operator });
    assert.equal(res.status, 200);
    assert.equal(res.body.success, true);
    assert.equal(res.body.data.total, 25);
    assert.equal(res.body.data.page, 1);
    assert.equal(res.body.data.pageSize, 20);
    assert.equal(res.body.data.items.length, 20);
    assert.equal(res.body.data.items[0].tenantCode, 'k125');
    assert.equal(res.body.data.items[19].tenantCode, 'k106');
    const page2 = await http('GET', `${cp.url}/api/tenants?page=2&pageSize=20`, { token: tokens.operator });
    assert.deepEqual(
      page2.body.data.items.map((t: { tenantCode: string }) => t.tenantCode),
      ['k105', 'k104', 'k103', 'k102', 'k101'],
    );
  });

  it('when filtered by status, then only tenants in those statuses are listed', async () => {
    const suspended = await http('GET', `${cp.url}/api/tenants?status=suspended`, { token: tokens.operator });
    assert.equal(suspended.body.data.total, 4);
    assert.ok(suspended.body.data.items.every((t: { status: string }) => t.status === 'suspended'));
    const several = await http('GET', `${cp.url}/api/tenants?status=suspended,deleted&pageSize=100`, { token: tokens.operator });
    assert.equal(several.body.data.total, 5);
  });

  it('when searching, then code, name, domain and contact phone match, and wildcards are literal', async () => {
    const search = async (q: string) =>
      (await http('GET', `${cp.url}/api/tenants?q=${encodeURIComponent(q)}&pageSize=100`, { token: tokens.operator })).body.data;
    assert.deepEqual((await search('k112')).items.map((t: { tenantCode: string }) => t.tenantCode), ['k112']);
    assert.deepEqual((await search('sunflower')).items.map((t: { tenantCode: string }) => t.tenantCode), ['k107']);
    assert.deepEqual((await search('k118.example')).items.map((t: { tenantCode: string }) => t.tenantCode), ['k118']);
    assert.deepEqual((await search('13800001003')).items.map((t: { tenantCode: string }) => t.tenantCode), ['k103']);
    assert.equal((await search('%')).total, 0);
    const combined = await http('GET', `${cp.url}/api/tenants?q=k11&status=suspended`, { token: tokens.operator });
    assert.deepEqual(combined.body.data.items.map((t: { tenantCode: string }) => t.tenantCode), ['k115', 'k110']);
  });

  it('when the status filter or paging is invalid, then 400 names each field', async () => {
    const res = await http('GET', `${cp.url}/api/tenants?status=active,sleeping&page=0`, { token: tokens.operator });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'VALIDATION_ERROR');
    const fields = res.body.error.details.map((d: { field: string }) => d.field).sort();
    assert.deepEqual(fields, ['page', 'status']);
  });

  it('when the detail of a tenant is read, then server, storage prefix, schema version, account and user count are shown', async () => {
    const serverId = await localServerId(cp);
    await insertTenant(cp, {
      code: 'k200',
      name: 'Detail Kindergarten',
      databaseName: 'rent200',
      dbServerId: serverId,
      ossPrefix: '13900000200/',
      schemaVersion: 3,
      contactName: 'Principal Wang',
      contactPhone: '13900000200',
    });
    await cp.db.query("INSERT INTO tenant_accounts (tenant_id, balance, credit_limit) VALUES ('k200', 12.5, 50)");
    const u1 = await insertGlobalUser(cp, { phone: '13700000001' });
    const u2 = await insertGlobalUser(cp, { phone: '13700000002' });
    await cp.db.query(
      "INSERT INTO global_user_tenant_relations (global_user_id, tenant_code, role_in_tenant) VALUES (?, 'k200', 'admin'), (?, 'k200', 'teacher')",
      [u1, u2],
    );
    const res = await http('GET', `${cp.url}/api/tenants/k200`, { token: tokens.operator });
    assert.equal(res.status, 200);
    const t = res.body.data;
    assert.equal(t.tenantCode, 'k200');
    assert.equal(t.status, 'active');
    assert.equal(t.domain, 'k200.localhost');
    assert.equal(t.databaseName, 'rent200');
    assert.equal(t.server.id, serverId);
    assert.equal(t.server.name, 'local');
    assert.equal(t.server.host, cp.config.MYSQL_HOST);
    assert.equal(t.server.port, cp.config.MYSQL_PORT);
    assert.equal(t.server.secret_ref, undefined);
    assert.equal(t.storagePrefix, '13900000200/');
    assert.equal(t.schemaVersion, 3);
    assert.equal(t.scheduledDeletionAt, null);
    assert.equal(t.planType, 'basic');
    assert.equal(t.contactName, 'Principal Wang');
    assert.deepEqual(t.account, { balance: 12.5, creditLimit: 50, paymentStatus: 'normal', billingCycle: 'monthly' });
    assert.equal(t.userCount, 2);
  });

  it('when the tenant does not exist, then 404 TENANT_NOT_FOUND; a malformed code is 400', async () => {
    const missing = await http('GET', `${cp.url}/api/tenants/k999`, { token: tokens.operator });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'TENANT_NOT_FOUND');
    const bad = await http('GET', `${cp.url}/api/tenants/drop%20table`, { token: tokens.operator });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.details[0].field, 'code');
  });

  it('when called with a user token or without a token, then 401', async () => {
    assert.equal((await http('GET', `${cp.url}/api/tenants`, { token: tokens.user })).status, 401);
    assert.equal((await http('GET', `${cp.url}/api/tenants`)).status, 401);
    assert.equal((await http('GET', `${cp.url}/api/tenants/k101`, { token: tokens.user })).status, 401);
  });
});

describe('tenant registry: binding users', () => {
  let cp: TestControlPlane;
  let tokens: RoleTokens;
  const id = uniqueId('bind');
  const templateDb = `tpl_${id}`;
  const tenantDb = `tdb_${id}`;
  const phone = '13612345678';
  let globalUserId: number;

  before(async () => {
    cp = await startControlPlane('tenantbind');
    tokens = await roleTokens(cp);
    await createTenantDatabase(templateDb, tenantDb);
    const serverId = await localServerId(cp);
    await insertTenant(cp, { code: 'k301', databaseName: tenantDb, dbServerId: serverId });
    await insertTenant(cp, { code: 'k302', databaseName: `nodb_${id}`, dbServerId: serverId, status: 'provisioning' });
    await insertTenant(cp, { code: 'k303', status: 'deleted' });
    globalUserId = await insertGlobalUser(cp, { phone, realName: 'Li Hua', email: 'li@example.test' });
  });
  after(async () => {
    await cp?.close();
    await dropDatabases([templateDb, tenantDb]);
  });

  async function tenantRows() {
    const conn = await connect(testMysqlTarget(), tenantDb);
    try {
      const [users] = await conn.query<RowDataPacket[]>('SELECT * FROM users WHERE phone = ?', [phone]);
      const [roles] = await conn.query<RowDataPacket[]>(
        'SELECT r.code FROM user_roles ur JOIN roles r ON r.id = ur.role_id JOIN users u ON u.id = ur.user_id WHERE u.phone = ?',
        [phone],
      );
      return { users, roles: roles.map((r) => String(r.code)) };
    } finally {
      await conn.end();
    }
  }

  async function relation() {
    const [rows] = await cp.db.query<RowDataPacket[]>(
      "SELECT * FROM global_user_tenant_relations WHERE global_user_id = ? AND tenant_code = 'k301'",
      [globalUserId],
    );
    return rows;
  }

  it('when an admin binds a user, then the relation and the tenant-local user with its role are created', async () => {
    const res = await http('POST', `${cp.url}/api/tenants/k301/users`, {
      token: tokens.admin,
      body: { phone, role: 'teacher' },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.data.created, true);
    assert.equal(res.body.data.role, 'teacher');
    assert.equal(res.body.data.globalUserId, globalUserId);

    const local = await tenantRows();
    assert.equal(local.users.length, 1);
    assert.equal(Number(local.users[0]!.global_user_id), globalUserId);
    assert.equal(local.users[0]!.real_name, 'Li Hua');
    assert.equal(local.users[0]!.email, 'li@example.test');
    assert.equal(local.users[0]!.status, 'active');
    assert.deepEqual(local.roles, ['teacher']);

    const rel = await relation();
    assert.equal(rel.length, 1);
    assert.equal(rel[0]!.role_in_tenant, 'teacher');
    assert.equal(rel[0]!.status, 'active');
    assert.equal(rel[0]!.permissions, null);
    assert.equal(rel[0]!.tenant_user_id, String(local.users[0]!.id));
    assert.equal(res.body.data.tenantUserId, String(local.users[0]!.id));
  });

  it('when the user is bound again with another role, then the role changes without duplicate rows', async () => {
    const res = await http('POST', `${cp.url}/api/tenants/k301/users`, { token: tokens.admin, body: { phone, role: 'admin' } });
    assert.equal(res.status, 200);
    assert.equal(res.body.data.created, false);
    const again = await http('POST', `${cp.url}/api/tenants/k301/users`, { token: tokens.admin, body: { phone, role: 'admin' } });
    assert.equal(again.status, 200);
    const local = await tenantRows();
    assert.equal(local.users.length, 1);
    assert.deepEqual(local.roles, ['admin']);
    const rel = await relation();
    assert.equal(rel.length, 1);
    assert.equal(rel[0]!.role_in_tenant, 'admin');
    assert.equal(rel[0]!.tenant_user_id, String(local.users[0]!.id));
  });

  it('when a user is bound, then the audit log records actor, tenant, request and before/after', async () => {
    const rows = await auditRows(cp, 'tenant.user.bind');
    assert.ok(rows.length >= 3);
    const [first, second] = rows;
    assert.equal(first!.actor_type, 'admin');
    assert.equal(first!.actor_id, String(tokens.ids.admin));
    assert.match(String(first!.actor_name), /^admin-/);
    assert.equal(first!.tenant_code, 'k301');
    assert.equal(first!.target_type, 'global_user');
    assert.equal(first!.target_id, String(globalUserId));
    assert.ok(first!.ip_address);
    assert.ok(first!.request_id);
    assert.equal(first!.before_data, null);
    assert.equal(first!.after_data.role, 'teacher');
    assert.equal(second!.before_data.role, 'teacher');
    assert.equal(second!.after_data.role, 'admin');
  });

  it('when the tenant database does not exist yet, then only the relation is recorded', async () => {
    const res = await http('POST', `${cp.url}/api/tenants/k302/users`, { token: tokens.admin, body: { phone, role: 'viewer' } });
    assert.equal(res.status, 201);
    assert.equal(res.body.data.tenantUserId, null);
    const [rows] = await cp.db.query<RowDataPacket[]>(
      "SELECT role_in_tenant, tenant_user_id FROM global_user_tenant_relations WHERE tenant_code = 'k302'",
    );
    assert.deepEqual(rows.map((r) => [r.role_in_tenant, r.tenant_user_id]), [['viewer', null]]);
  });

  it('when the body is invalid, then 400 lists phone and role', async () => {
    const res = await http('POST', `${cp.url}/api/tenants/k301/users`, { token: tokens.admin, body: { phone: '123', role: 'janitor' } });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'VALIDATION_ERROR');
    assert.deepEqual(res.body.error.details.map((d: { field: string }) => d.field).sort(), ['phone', 'role']);
  });

  it('when the phone is not registered, then 404 USER_NOT_FOUND; unknown tenant 404; deleted tenant 410', async () => {
    const noUser = await http('POST', `${cp.url}/api/tenants/k301/users`, { token: tokens.admin, body: { phone: '13500000000', role: 'staff' } });
    assert.equal(noUser.status, 404);
    assert.equal(noUser.body.error.code, 'USER_NOT_FOUND');
    const noTenant = await http('POST', `${cp.url}/api/tenants/k998/users`, { token: tokens.admin, body: { phone, role: 'staff' } });
    assert.equal(noTenant.status, 404);
    assert.equal(noTenant.body.error.code, 'TENANT_NOT_FOUND');
    const deleted = await http('POST', `${cp.url}/api/tenants/k303/users`, { token: tokens.admin, body: { phone, role: 'staff' } });
    assert.equal(deleted.status, 410);
    assert.equal(deleted.body.error.code, 'TENANT_DELETED');
  });

  it('when an operator binds, then 403; a user token 401; no token 401; a super admin may', async () => {
    const body = { phone, role: 'staff' };
    assert.equal((await http('POST', `${cp.url}/api/tenants/k301/users`, { token: tokens.operator, body })).status, 403);
    assert.equal((await http('POST', `${cp.url}/api/tenants/k301/users`, { token: tokens.user, body })).status, 401);
    assert.equal((await http('POST', `${cp.url}/api/tenants/k301/users`, { body })).status, 401);
    const ok = await http('POST', `${cp.url}/api/tenants/k301/users`, { token: tokens.superAdmin, body });
    assert.equal(ok.status, 200);
    assert.deepEqual((await tenantRows()).roles, ['staff']);
  });

  it('when an operator lists the users of a tenant, then phone, name, role and login counts are shown', async () => {
    await cp.db.query("UPDATE global_user_tenant_relations SET login_count = 7 WHERE tenant_code = 'k301'");
    const res = await http('GET', `${cp.url}/api/tenants/k301/users`, { token: tokens.operator });
    assert.equal(res.status, 200);
    assert.equal(res.body.data.total, 1);
    const u = res.body.data.items[0];
    assert.equal(u.phone, phone);
    assert.equal(u.realName, 'Li Hua');
    assert.equal(u.role, 'staff');
    assert.equal(u.loginCount, 7);
    assert.ok(u.tenantUserId);
    const missing = await http('GET', `${cp.url}/api/tenants/k998/users`, { token: tokens.operator });
    assert.equal(missing.status, 404);
  });
});
