import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from '@kg/shared';

// `global_users` and `global_user_tenant_relations` belong to the control plane; the provisioner
// writes them only here, for the create_admin step, because the admin must be created inside the
// retried, resumable pipeline job, after the tenant database exists and in the same transaction
// as the step's record of it (docs/data-ownership.md, Provisioner).

type Db = Pool | PoolConnection;

export async function findGlobalUserId(db: Db, phone: string): Promise<number | null> {
  const [rows] = await db.query<RowDataPacket[]>('SELECT id FROM global_users WHERE phone = ?', [phone]);
  return rows[0] ? Number(rows[0].id) : null;
}

/** Inserts the admin's global user, who must change the password at first sign-in. Returns its id. */
export async function insertAdminGlobalUser(
  db: Db,
  user: { phone: string; passwordHash: string; realName: string; email: string | null },
): Promise<number> {
  const [res] = await db.query<ResultSetHeader>(
    `INSERT INTO global_users (phone, password_hash, real_name, email, registration_source, status, must_change_password)
     VALUES (?, ?, ?, ?, 'tenant_provisioning', 'active', 1)`,
    [user.phone, user.passwordHash, user.realName.slice(0, 50), user.email],
  );
  return res.insertId;
}

/** Binds a global user to a tenant as its admin (one relation per user and tenant, re-runs update it). */
export async function bindTenantAdmin(
  db: Db,
  binding: { globalUserId: number; tenantCode: string; tenantUserId: number },
): Promise<void> {
  await db.query(
    `INSERT INTO global_user_tenant_relations (global_user_id, tenant_code, tenant_user_id, role_in_tenant, status)
     VALUES (?, ?, ?, 'admin', 'active')
     ON DUPLICATE KEY UPDATE tenant_user_id = VALUES(tenant_user_id), role_in_tenant = 'admin', status = 'active'`,
    [binding.globalUserId, binding.tenantCode, String(binding.tenantUserId)],
  );
}
