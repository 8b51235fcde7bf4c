import assert from 'node:assert/strict';
import type { RowDataPacket } from '@kg/shared';
import { http } from '@kg/shared/testing';
import { SUPER_ADMIN, startControlPlane, type TestControlPlane } from '../../control-plane/test/helpers/harness';
import { insertTenant, uniquePhone } from '../../control-plane/test/helpers/auth-fixtures';
import { insertAdmin, insertGlobalUser } from '../../control-plane/test/helpers/operator-fixtures';
import { adminSignIn, setAdminPassword } from './helpers/sessions';

/**
 * Finding 2: a disabled or demoted admin kept their power until the token expired, because the
 * role was read from the token. Now the role and status come from the control database and the
 * change refuses every earlier token of that admin.
 */
describe('security: sessions — an admin loses power the moment they are suspended or demoted', function () {
  this.timeout(60_000);
  let cp: TestControlPlane;
  let rootToken: string;
  const PASSWORD = 'Adm1nPassw0rd';

  before(async () => {
    cp = await startControlPlane('secadmin');
    rootToken = (await adminSignIn(cp.url, SUPER_ADMIN.username, SUPER_ADMIN.password)).token;
  });
  after(async () => {
    await cp?.close();
  });

  async function signedInAdmin(role: 'admin' | 'operator') {
    const admin = await insertAdmin(cp, role);
    await setAdminPassword(cp.db, admin.id, PASSWORD);
    return { ...admin, token: (await adminSignIn(cp.url, admin.username, PASSWORD)).token };
  }
  const tenantStatus = async (code: string) =>
    (await cp.db.query<RowDataPacket[]>('SELECT status FROM tenants WHERE tenant_id = ?', [code]))[0][0]!.status as string;
  const bind = (token: string, code: string, phone: string) =>
    http('POST', `${cp.url}/api/tenants/${code}/users`, { token, body: { phone, role: 'teacher' } });

  it('when a suspended admin uses a token from before the suspension, then suspending a tenant and binding a user are refused', async () => {
    const admin = await signedInAdmin('admin');
    const code = await insertTenant(cp);
    const phone = uniquePhone();
    await insertGlobalUser(cp, { phone });
    assert.equal((await bind(admin.token, code, phone)).status, 201, 'the token worked before');

    const patch = await http('PATCH', `${cp.url}/api/admin/users/${admin.id}`, { token: rootToken, body: { status: 'suspended' } });
    assert.equal(patch.status, 200, JSON.stringify(patch.body));

    const suspend = await http('POST', `${cp.url}/api/tenants/${code}/suspend`, { token: admin.token, body: { reason: 'attack' } });
    assert.equal(suspend.status, 401);
    assert.equal(suspend.body.error.code, 'TOKEN_REVOKED');
    assert.equal(await tenantStatus(code), 'active');
    const rebind = await bind(admin.token, code, phone);
    assert.equal(rebind.status, 401);
    // Refresh tokens of the suspended admin are gone too.
    const left = await cp.db.query<RowDataPacket[]>(
      "SELECT COUNT(*) AS n FROM refresh_tokens WHERE subject_type = 'admin' AND subject_id = ? AND status = 'active'",
      [admin.id],
    );
    assert.equal(Number(left[0][0]!.n), 0);
  });

  it('when an admin is demoted to operator, then the earlier token is refused and a new one only has operator power', async () => {
    const admin = await signedInAdmin('admin');
    const code = await insertTenant(cp);
    const patch = await http('PATCH', `${cp.url}/api/admin/users/${admin.id}`, { token: rootToken, body: { role: 'operator' } });
    assert.equal(patch.status, 200, JSON.stringify(patch.body));

    const suspend = await http('POST', `${cp.url}/api/tenants/${code}/suspend`, { token: admin.token, body: {} });
    assert.equal(suspend.status, 401);
    assert.equal(suspend.body.error.code, 'TOKEN_REVOKED');

    const fresh = (await adminSignIn(cp.url, admin.username, PASSWORD)).token;
    assert.equal((await http('GET', `${cp.url}/api/tenants/${code}`, { token: fresh })).status, 200, 'operator reads still work');
    const again = await http('POST', `${cp.url}/api/tenants/${code}/suspend`, { token: fresh, body: {} });
    assert.equal(again.status, 403);
    assert.equal(await tenantStatus(code), 'active');
  });

  it('when the role or status changes in the database behind the API, then the role claim of a live token is not trusted', async () => {
    // No announcement at all: only reading the database (cache off) can catch it.
    const strict = await startControlPlane('secadmin0', { ADMIN_CACHE_TTL_MS: '0' });
    try {
      const admin = await insertAdmin(strict, 'admin');
      const token = strict.ctx.tokens.signAdmin({ id: admin.id, username: admin.username, role: 'admin' }).token;
      const code = await insertTenant(strict);
      await strict.db.query("UPDATE admin_users SET role = 'operator' WHERE id = ?", [admin.id]);
      const demoted = await http('POST', `${strict.url}/api/tenants/${code}/suspend`, { token, body: {} });
      assert.equal(demoted.status, 403);
      assert.equal(demoted.body.error.code, 'FORBIDDEN');

      await strict.db.query("UPDATE admin_users SET role = 'admin', status = 'inactive' WHERE id = ?", [admin.id]);
      const disabled = await http('GET', `${strict.url}/api/tenants/${code}`, { token });
      assert.equal(disabled.status, 403);
      assert.equal(disabled.body.error.code, 'ACCOUNT_DISABLED');

      await strict.db.query("UPDATE admin_users SET status = 'active' WHERE id = ?", [admin.id]);
      assert.equal((await http('POST', `${strict.url}/api/tenants/${code}/suspend`, { token, body: {} })).status, 200);
    } finally {
      await strict.close();
    }
  });

  it('when a super admin resets an admin password, then every earlier token of that admin is refused', async () => {
    const admin = await signedInAdmin('operator');
    assert.equal((await http('GET', `${cp.url}/api/tenants`, { token: admin.token })).status, 200);
    const patch = await http('PATCH', `${cp.url}/api/admin/users/${admin.id}`, { token: rootToken, body: { password: 'N3wPassw0rdX' } });
    assert.equal(patch.status, 200);
    const res = await http('GET', `${cp.url}/api/tenants`, { token: admin.token });
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, 'TOKEN_REVOKED');
    assert.equal((await adminSignIn(cp.url, admin.username, 'N3wPassw0rdX')).token.length > 0, true);
  });
});
