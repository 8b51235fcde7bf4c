import type { Pool, RowDataPacket } from '@kg/shared';

export interface StorageAccessRow {
  tenantStatus: string;
  ossPrefix: string | null;
  roleInTenant: string;
  relationStatus: string;
  userStatus: string;
}

/** The user's relation to the tenant with the tenant's status and storage prefix, or null if unbound. */
export async function findStorageAccess(db: Pool, globalUserId: number, tenantCode: string): Promise<StorageAccessRow | null> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT t.status AS tenant_status, t.oss_prefix, r.role_in_tenant, r.status AS relation_status, u.status AS user_status
     FROM global_user_tenant_relations r
     JOIN tenants t ON t.tenant_id = r.tenant_code
     JOIN global_users u ON u.id = r.global_user_id
     WHERE r.global_user_id = ? AND r.tenant_code = ?`,
    [globalUserId, tenantCode],
  );
  if (!rows.length) return null;
  const r = rows[0];
  return {
    tenantStatus: r.tenant_status,
    ossPrefix: r.oss_prefix,
    roleInTenant: r.role_in_tenant,
    relationStatus: r.relation_status,
    userStatus: r.user_status,
  };
}
