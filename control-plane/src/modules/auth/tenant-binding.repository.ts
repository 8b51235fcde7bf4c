import type { Connection, RowDataPacket } from '@kg/shared';

export type TenantStatus = 'provisioning' | 'active' | 'inactive' | 'suspended' | 'failed' | 'deleted' | 'purged';

/** A tenant the user is bound to, as listed at sign-in (tenant picker). */
export interface UserTenant {
  tenantCode: string;
  tenantName: string;
  domain: string;
  role: string;
  status: TenantStatus;
  lastLoginAt: Date | null;
}

/** A tenant and, when present, the user's binding to it. */
export interface TenantAccess {
  tenant?: { tenantCode: string; tenantName: string; domain: string; status: TenantStatus };
  binding?: { role: string; status: 'active' | 'disabled' };
}

interface UserTenantRow extends RowDataPacket {
  tenant_code: string;
  tenant_name: string;
  domain: string;
  role: string;
  status: TenantStatus;
  last_login_at: Date | null;
}

/**
 * The tenants a user may pick (seed 004 findUserTenants): active bindings to tenants that are
 * not deleted or purged, most recently used first.
 */
export async function findUserTenants(db: Connection, globalUserId: number): Promise<UserTenant[]> {
  const [rows] = await db.query<UserTenantRow[]>(
    `SELECT t.tenant_id AS tenant_code, t.name AS tenant_name, t.domain, r.role_in_tenant AS role, t.status, r.last_login_at
       FROM global_user_tenant_relations r
       JOIN tenants t ON t.tenant_id = r.tenant_code
      WHERE r.global_user_id = ? AND r.status = 'active'
        AND t.status NOT IN ('deleted', 'purged') AND t.deleted_at IS NULL
      ORDER BY r.last_login_at DESC, t.tenant_id`,
    [globalUserId],
  );
  return rows.map((r) => ({
    tenantCode: r.tenant_code,
    tenantName: r.tenant_name,
    domain: r.domain,
    role: r.role,
    status: r.status,
    lastLoginAt: r.last_login_at,
  }));
}

/** Looks up a tenant by code together with the user's binding to it (either may be missing). */
export async function findTenantAccess(db: Connection, globalUserId: number, tenantCode: string): Promise<TenantAccess> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT t.tenant_id AS tenant_code, t.name AS tenant_name, t.domain, t.status,
            r.role_in_tenant AS role, r.status AS binding_status
       FROM tenants t
       LEFT JOIN global_user_tenant_relations r ON r.tenant_code = t.tenant_id AND r.global_user_id = ?
      WHERE t.tenant_id = ?`,
    [globalUserId, tenantCode],
  );
  const row = rows[0];
  if (!row) return {};
  return {
    tenant: { tenantCode: row.tenant_code, tenantName: row.tenant_name, domain: row.domain, status: row.status },
    binding: row.role == null ? undefined : { role: row.role, status: row.binding_status },
  };
}

/** Counts a sign-in into a tenant on the binding (first/last login, login count). */
export async function recordTenantLogin(db: Connection, globalUserId: number, tenantCode: string): Promise<void> {
  await db.query(
    `UPDATE global_user_tenant_relations
        SET first_login_at = COALESCE(first_login_at, NOW(3)), last_login_at = NOW(3), login_count = login_count + 1
      WHERE global_user_id = ? AND tenant_code = ?`,
    [globalUserId, tenantCode],
  );
}
