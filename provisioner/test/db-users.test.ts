import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { connect, dropTenantDbUser, quoteId, SecretBox, tenantDbRoleName, type RowDataPacket } from '@kg/shared';
import { testMysqlTarget } from '@kg/shared/testing';
import {
  accountExists,
  createActiveTenant,
  startLifecycleWorld,
  type LifecycleWorld,
} from '../../control-plane/test/helpers/lifecycle-fixture';
import { ensureAllTenantDbAccounts } from '../src/modules/db-users/tenant-db-user.service';
import { startProvisioner } from './helpers/worker-context';

/**
 * `npm run tenants:create-db-users` (docs/privileges.md, Tenant database users): tenants created
 * before per-tenant accounts existed get one; running it again changes nothing.
 */
describe('tenant database accounts: the migration command for existing tenants', function () {
  this.timeout(60_000);
  let w: LifecycleWorld;
  let p: Awaited<ReturnType<typeof startProvisioner>>;
  before(async () => {
    w = await startLifecycleWorld('dbusers');
    p = await startProvisioner(w.provisionerEnv, { workers: false });
  });
  after(async () => {
    await p?.close();
    await w?.close();
  });

  async function recorded(code: string): Promise<RowDataPacket> {
    const [[row]] = await w.cp.db.query<RowDataPacket[]>('SELECT db_user, db_user_host, db_password_enc FROM tenants WHERE tenant_id = ?', [code]);
    return row!;
  }

  it('when a tenant has no account yet, then the command creates one that reads its own database and no other, and a second run keeps its password', async () => {
    const a = await createActiveTenant(w, 'k601');
    const b = await createActiveTenant(w, 'k602');
    // k601 was made before accounts existed: no account, nothing recorded.
    const root = await connect(testMysqlTarget());
    await dropTenantDbUser(root, a.dbUser, '%');
    await root.end();
    await w.cp.db.query('UPDATE tenants SET db_user = NULL, db_user_host = NULL, db_password_enc = NULL WHERE tenant_id = ?', [a.code]);
    assert.equal(await accountExists(a.dbUser), false);

    const first = await ensureAllTenantDbAccounts(p.ctx);
    assert.deepEqual(
      first.filter((r) => [a.code, b.code].includes(r.tenantCode)).map((r) => [r.tenantCode, r.outcome]),
      [[a.code, 'ensured'], [b.code, 'ensured']],
    );
    const row = await recorded(a.code);
    assert.equal(row.db_user, a.dbUser);
    const password = new SecretBox(w.cp.config.MASTER_KEY).open(String(row.db_password_enc));
    const own = await connect({ ...testMysqlTarget(), user: a.dbUser, password });
    try {
      const [[n]] = await own.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${quoteId(a.databaseName)}.students`);
      assert.equal(Number(n!.n), 3);
      await assert.rejects(own.query(`SELECT COUNT(*) FROM ${quoteId(b.databaseName)}.students`), /denied/i);
    } finally {
      await own.end();
    }

    await ensureAllTenantDbAccounts(p.ctx);
    assert.equal((await recorded(a.code)).db_password_enc, row.db_password_enc, 'the recorded password is kept');
    const again = await connect({ ...testMysqlTarget(), user: a.dbUser, password });
    await again.end();
  });

  it("when the tenant app's role account is configured, then the command gives each tenant database a role it holds, reading that database and no other", async () => {
    const roleUser = `tr_${crypto.randomBytes(4).toString('hex')}`;
    const rolePassword = crypto.randomBytes(10).toString('hex');
    const withRoles = await startProvisioner({ ...w.provisionerEnv, TENANT_DB_ROLE_USER: roleUser, TENANT_DB_ROLE_PASSWORD: rolePassword }, { workers: false });
    const a = await createActiveTenant(w, 'k603');
    const b = await createActiveTenant(w, 'k604');
    try {
      const results = await ensureAllTenantDbAccounts(withRoles.ctx);
      assert.deepEqual(
        results.filter((r) => [a.code, b.code].includes(r.tenantCode)).map((r) => r.outcome),
        ['ensured', 'ensured'],
      );
      const conn = await connect({ ...testMysqlTarget(), user: roleUser, password: rolePassword });
      try {
        await assert.rejects(conn.query(`SELECT COUNT(*) FROM ${quoteId(a.databaseName)}.students`), /denied/i, 'nothing without a role');
        await conn.query(`SET ROLE ${quoteId(tenantDbRoleName(a.databaseName))}`);
        const [[n]] = await conn.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${quoteId(a.databaseName)}.students`);
        assert.equal(Number(n!.n), 3);
        await assert.rejects(conn.query(`SELECT COUNT(*) FROM ${quoteId(b.databaseName)}.students`), /denied/i);
        await assert.rejects(conn.query(`DROP TABLE ${quoteId(a.databaseName)}.students`), /denied/i, 'data privileges only');
        await conn.query(`SET ROLE ${quoteId(tenantDbRoleName(b.databaseName))}`);
        await assert.rejects(conn.query(`SELECT COUNT(*) FROM ${quoteId(a.databaseName)}.students`), /denied/i);
      } finally {
        await conn.end();
      }
    } finally {
      await withRoles.close();
      const root = await connect(testMysqlTarget());
      await root.query(`DROP USER IF EXISTS '${roleUser}'@'%'`);
      await root.end();
    }
  });
});
