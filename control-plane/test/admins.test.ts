import assert from 'node:assert/strict';
import bcrypt from 'bcryptjs';
import type { RowDataPacket } from '@kg/shared';
import { http } from '@kg/shared/testing';
import { startControlPlane, type TestControlPlane } from './helpers/harness';
import { auditRows, insertAdmin, roleTokens, type RoleTokens } from './helpers/operator-fixtures';

describe('admin users: management by super admins', () => {
  let cp: TestControlPlane;
  let tokens: RoleTokens;
  before(async () => {
    cp = await startControlPlane('admins');
    tokens = await roleTokens(cp);
  });
  after(async () => {
    await cp?.close();
  });

  const url = () => `${cp.url}/api/admin/users`;

  it('when a super admin creates an admin, then it is stored with a bcrypt hash and the hash is never returned', async () => {
    const res = await http('POST', url(), {
      token: tokens.superAdmin,
      body: { username: 'ops.zhang', password: 'Passw0rdXyz', role: 'operator', email: 'zhang@example.test' },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.data.username, 'ops.zhang');
    assert.equal(res.body.data.role, 'operator');
    assert.equal(res.body.data.status, 'active');
    assert.doesNotMatch(JSON.stringify(res.body), /password|\$2[aby]\$/i);
    const [[row]] = await cp.db.query<RowDataPacket[]>("SELECT password FROM admin_users WHERE username = 'ops.zhang'");
    assert.match(String(row!.password), /^\$2[aby]\$04\$/, 'bcrypt with the configured cost');
    assert.ok(await bcrypt.compare('Passw0rdXyz', String(row!.password)));
    const list = await http('GET', url(), { token: tokens.superAdmin });
    assert.equal(list.status, 200);
    assert.ok(list.body.data.items.some((a: { username: string }) => a.username === 'ops.zhang'));
    assert.doesNotMatch(JSON.stringify(list.body), /\$2[aby]\$|"password"/);
  });

  it('when the password breaks the policy, then 400 lists each problem on the password field', async () => {
    const res = await http('POST', url(), {
      token: tokens.superAdmin,
      body: { username: 'x', password: 'short', role: 'wizard', email: 'not-an-email' },
    });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'VALIDATION_ERROR');
    const fields = new Set(res.body.error.details.map((d: { field: string }) => d.field));
    assert.deepEqual([...fields].sort(), ['email', 'password', 'role', 'username']);
    const pw = res.body.error.details.filter((d: { field: string }) => d.field === 'password').map((d: { message: string }) => d.message);
    assert.ok(pw.some((m: string) => /8 characters/.test(m)));
    assert.ok(pw.some((m: string) => /digit/.test(m)));
  });

  it('when the username is taken, then 409 CONFLICT', async () => {
    const res = await http('POST', url(), {
      token: tokens.superAdmin,
      body: { username: 'ops.zhang', password: 'Another1pass', role: 'admin' },
    });
    assert.equal(res.status, 409);
    assert.equal(res.body.error.code, 'CONFLICT');
  });

  it('when a super admin changes role, status and password, then they apply and the audit keeps before/after without hashes', async () => {
    const target = await insertAdmin(cp, 'operator', 'to-promote');
    const res = await http('PATCH', `${url()}/${target.id}`, {
      token: tokens.superAdmin,
      body: { role: 'admin', status: 'suspended', password: 'Fresh1password' },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.data.role, 'admin');
    assert.equal(res.body.data.status, 'suspended');
    const [[row]] = await cp.db.query<RowDataPacket[]>('SELECT password FROM admin_users WHERE id = ?', [target.id]);
    assert.ok(await bcrypt.compare('Fresh1password', String(row!.password)));
    const audit = (await auditRows(cp, 'admin_user.update')).find((r) => r.target_id === String(target.id))!;
    assert.equal(audit.actor_id, String(tokens.ids.superAdmin));
    assert.deepEqual(audit.before_data, { username: 'to-promote', email: null, role: 'operator', status: 'active' });
    assert.equal(audit.after_data.role, 'admin');
    assert.equal(audit.after_data.passwordChanged, true);
    assert.doesNotMatch(JSON.stringify([audit.before_data, audit.after_data]), /\$2[aby]\$|Fresh1password/);
    const created = await auditRows(cp, 'admin_user.create');
    assert.equal(created[0]!.after_data.username, 'ops.zhang');
  });

  it('when the last active super admin would be demoted or disabled, then 409 and nothing changes', async () => {
    const id = tokens.ids.superAdmin;
    const demote = await http('PATCH', `${url()}/${id}`, { token: tokens.superAdmin, body: { role: 'admin' } });
    assert.equal(demote.status, 409);
    const disable = await http('PATCH', `${url()}/${id}`, { token: tokens.superAdmin, body: { status: 'inactive' } });
    assert.equal(disable.status, 409);
    const [[row]] = await cp.db.query<RowDataPacket[]>('SELECT role, status FROM admin_users WHERE id = ?', [id]);
    assert.deepEqual([row!.role, row!.status], ['super_admin', 'active']);

    const second = await insertAdmin(cp, 'super_admin', 'second-root');
    const now = await http('PATCH', `${url()}/${second.id}`, { token: tokens.superAdmin, body: { role: 'operator' } });
    assert.equal(now.status, 200, 'with another super admin left, demotion is allowed');
  });

  it('when an unknown admin id or an empty change is sent, then 404 or 400', async () => {
    assert.equal((await http('PATCH', `${url()}/999999`, { token: tokens.superAdmin, body: { role: 'admin' } })).status, 404);
    const empty = await http('PATCH', `${url()}/${tokens.ids.operator}`, { token: tokens.superAdmin, body: {} });
    assert.equal(empty.status, 400);
  });

  it('when an operator or an admin calls admin management, then 403; a user token or none 401', async () => {
    for (const token of [tokens.operator, tokens.admin]) {
      assert.equal((await http('GET', url(), { token })).status, 403);
      assert.equal(
        (await http('POST', url(), { token, body: { username: 'sneaky', password: 'Passw0rdXyz', role: 'super_admin' } })).status,
        403,
      );
      assert.equal((await http('PATCH', `${url()}/${tokens.ids.operator}`, { token, body: { role: 'super_admin' } })).status, 403);
    }
    assert.equal((await http('GET', url(), { token: tokens.user })).status, 401);
    assert.equal((await http('GET', url())).status, 401);
    const [rows] = await cp.db.query<RowDataPacket[]>("SELECT id FROM admin_users WHERE username = 'sneaky'");
    assert.equal(rows.length, 0);
  });
});
