import type { Pool, RowDataPacket } from '@kg/shared';
import type { TenantQueries } from '../../internal/db/tenant-db';

/** The signed-in user as the tenant's own database knows them. */
export interface TenantUser {
  id: number;
  globalUserId: number;
  phone: string;
  realName: string;
  email: string | null;
  status: string;
  roles: string[];
  permissions: string[];
  /** The same permissions as a set, for the per-request checks. */
  permissionSet: ReadonlySet<string>;
}

/** Whether the global user has an active relation to the tenant in the control database. */
export async function findActiveBinding(controlDb: Pool, tenantCode: string, globalUserId: string): Promise<boolean> {
  const [rows] = await controlDb.query<RowDataPacket[]>(
    `SELECT 1 FROM global_user_tenant_relations r JOIN global_users g ON g.id = r.global_user_id
      WHERE r.tenant_code = ? AND r.global_user_id = ? AND r.status = 'active' AND g.status NOT IN ('suspended', 'deleted')
      LIMIT 1`,
    [tenantCode, globalUserId],
  );
  return rows.length > 0;
}

/**
 * The tenant-local user row of a global user with its role and permission codes, or null.
 * One statement: the user joined to every permission of every role (one row per grant).
 */
export async function findTenantUser(db: TenantQueries, globalUserId: string): Promise<TenantUser | null> {
  const rows = await db.rows(
    `SELECT u.id, u.global_user_id, u.phone, u.real_name, u.email, u.status, r.code AS role, p.code AS permission
       FROM ${db.t('users')} u
       LEFT JOIN ${db.t('user_roles')} ur ON ur.user_id = u.id
       LEFT JOIN ${db.t('roles')} r ON r.id = ur.role_id
       LEFT JOIN ${db.t('role_permissions')} rp ON rp.role_id = r.id
       LEFT JOIN ${db.t('permissions')} p ON p.id = rp.permission_id
      WHERE u.global_user_id = ?`,
    [globalUserId],
  );
  const u = rows[0];
  if (!u) return null;
  const roles = new Set<string>();
  const permissions = new Set<string>();
  for (const g of rows) {
    if (g.role) roles.add(String(g.role));
    if (g.permission) permissions.add(String(g.permission));
  }
  return {
    id: Number(u.id),
    globalUserId: Number(u.global_user_id),
    phone: u.phone,
    realName: u.real_name,
    email: u.email ?? null,
    status: u.status,
    roles: [...roles].sort(),
    permissions: [...permissions].sort(),
    permissionSet: permissions,
  };
}

export type { RowDataPacket };
