import type { Connection, Page, ResultSetHeader, RowDataPacket } from '@kg/shared';

/**
 * The control plane's one owner of `global_user_tenant_relations` (docs/data-ownership.md): a
 * global user's binding to a tenant, with the role the user holds there. Columns are mapped to
 * TenantBinding here only.
 */

export type BindingStatus = 'active' | 'disabled';

export interface TenantBinding {
  id: number;
  globalUserId: number;
  tenantCode: string;
  /** Id of the user's row in the tenant database; null until that database exists. */
  tenantUserId: string | null;
  role: string;
  status: BindingStatus;
  loginCount: number;
  firstLoginAt: Date | null;
  lastLoginAt: Date | null;
  createdAt: Date;
}

function toBinding(r: RowDataPacket): TenantBinding {
  return {
    id: Number(r.id),
    globalUserId: Number(r.global_user_id),
    tenantCode: r.tenant_code,
    tenantUserId: r.tenant_user_id,
    role: r.role_in_tenant,
    status: r.status,
    loginCount: Number(r.login_count),
    firstLoginAt: r.first_login_at,
    lastLoginAt: r.last_login_at,
    createdAt: r.created_at,
  };
}

/** The user's active bindings, most recently used first (then by tenant code). */
export async function findActiveBindingsOfUser(db: Connection, globalUserId: number): Promise<TenantBinding[]> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT * FROM global_user_tenant_relations
      WHERE global_user_id = ? AND status = 'active'
      ORDER BY last_login_at DESC, tenant_code`,
    [globalUserId],
  );
  return rows.map(toBinding);
}

/** The bindings (any status) of these users, by tenant code; for the operators' user list. */
export async function findBindingsOfUsers(db: Connection, globalUserIds: readonly number[]): Promise<TenantBinding[]> {
  if (globalUserIds.length === 0) return [];
  const [rows] = await db.query<RowDataPacket[]>(
    'SELECT * FROM global_user_tenant_relations WHERE global_user_id IN (?) ORDER BY tenant_code',
    [globalUserIds],
  );
  return rows.map(toBinding);
}

/** The user's binding to the tenant (any status), or null. */
export async function findBinding(db: Connection, globalUserId: number, tenantCode: string): Promise<TenantBinding | null> {
  const [rows] = await db.query<RowDataPacket[]>(
    'SELECT * FROM global_user_tenant_relations WHERE global_user_id = ? AND tenant_code = ?',
    [globalUserId, tenantCode],
  );
  return rows[0] ? toBinding(rows[0]) : null;
}

/** The binding, locked for update within the caller's transaction. */
export async function lockBinding(conn: Connection, globalUserId: number, tenantCode: string): Promise<TenantBinding | null> {
  const [rows] = await conn.query<RowDataPacket[]>(
    'SELECT * FROM global_user_tenant_relations WHERE global_user_id = ? AND tenant_code = ? FOR UPDATE',
    [globalUserId, tenantCode],
  );
  return rows[0] ? toBinding(rows[0]) : null;
}

/**
 * Creates or updates the binding: role, active, no per-user permission overrides. A known
 * tenant user id replaces the stored one; an unknown one (no tenant database yet) keeps it.
 */
export async function upsertBinding(
  conn: Connection,
  binding: { globalUserId: number; tenantCode: string; role: string; tenantUserId: string | null },
): Promise<TenantBinding> {
  await conn.query(
    `INSERT INTO global_user_tenant_relations (global_user_id, tenant_code, tenant_user_id, role_in_tenant, permissions, status)
     VALUES (?, ?, ?, ?, NULL, 'active')
     ON DUPLICATE KEY UPDATE
       tenant_user_id = COALESCE(VALUES(tenant_user_id), tenant_user_id),
       role_in_tenant = VALUES(role_in_tenant),
       permissions = NULL,
       status = 'active'`,
    [binding.globalUserId, binding.tenantCode, binding.tenantUserId, binding.role],
  );
  return (await lockBinding(conn, binding.globalUserId, binding.tenantCode))!;
}

/** Removes the user's binding to the tenant (an operator's unbind); true when one existed. */
export async function deleteBinding(conn: Connection, globalUserId: number, tenantCode: string): Promise<boolean> {
  const [res] = await conn.query<ResultSetHeader>(
    'DELETE FROM global_user_tenant_relations WHERE global_user_id = ? AND tenant_code = ?',
    [globalUserId, tenantCode],
  );
  return res.affectedRows > 0;
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

/** How many users are actively bound to the tenant. */
export async function countActiveBindings(db: Connection, tenantCode: string): Promise<number> {
  const [[row]] = await db.query<RowDataPacket[]>(
    "SELECT COUNT(*) AS n FROM global_user_tenant_relations WHERE tenant_code = ? AND status = 'active'",
    [tenantCode],
  );
  return Number(row!.n);
}

/** A binding with the user's contact details, as the tenant's user list shows it. */
export interface BoundUser {
  binding: TenantBinding;
  phone: string;
  realName: string;
  email: string | null;
  userStatus: string;
}

/** Users bound to a tenant (any status), most recently bound first. */
export async function listBoundUsers(
  db: Connection,
  tenantCode: string,
  paging: { page: number; pageSize: number },
): Promise<Page<BoundUser>> {
  const [[count]] = await db.query<RowDataPacket[]>(
    'SELECT COUNT(*) AS n FROM global_user_tenant_relations WHERE tenant_code = ?',
    [tenantCode],
  );
  // Joined with global_users (owned by global-user.repository) so a page is one query, not one per user.
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT r.*, u.phone, u.real_name, u.email, u.status AS user_status
       FROM global_user_tenant_relations r JOIN global_users u ON u.id = r.global_user_id
      WHERE r.tenant_code = ?
      ORDER BY r.created_at DESC, r.id DESC
      LIMIT ? OFFSET ?`,
    [tenantCode, paging.pageSize, (paging.page - 1) * paging.pageSize],
  );
  return {
    items: rows.map((r) => ({
      binding: toBinding(r),
      phone: r.phone,
      realName: r.real_name,
      email: r.email,
      userStatus: r.user_status,
    })),
    total: Number(count!.n),
    page: paging.page,
    pageSize: paging.pageSize,
  };
}

/** Tenant-local user ids of the users actively bound to a tenant with `role` (e.g. its admins). */
export async function listTenantUserIdsWithRole(db: Connection, tenantCode: string, role: string): Promise<number[]> {
  const [rows] = await db.query<RowDataPacket[]>(
    "SELECT tenant_user_id FROM global_user_tenant_relations WHERE tenant_code = ? AND role_in_tenant = ? AND status = 'active' AND tenant_user_id IS NOT NULL",
    [tenantCode, role],
  );
  return rows.map((r) => Number(r.tenant_user_id)).filter((n) => Number.isSafeInteger(n) && n > 0);
}

/** Sets the binding's status (a tenant admin disables or enables a staff member). */
export async function setBindingStatus(conn: Connection, globalUserId: number, tenantCode: string, status: BindingStatus): Promise<void> {
  await conn.query('UPDATE global_user_tenant_relations SET status = ? WHERE global_user_id = ? AND tenant_code = ?', [
    status,
    globalUserId,
    tenantCode,
  ]);
}

/** Sets the binding's role and, when known, the tenant user id; the status is left as it is. */
export async function setBindingRole(
  conn: Connection,
  b: { globalUserId: number; tenantCode: string; role: string; tenantUserId: string | null },
): Promise<void> {
  await conn.query(
    `UPDATE global_user_tenant_relations SET role_in_tenant = ?, tenant_user_id = COALESCE(?, tenant_user_id)
      WHERE global_user_id = ? AND tenant_code = ?`,
    [b.role, b.tenantUserId, b.globalUserId, b.tenantCode],
  );
}

/** The tenant's bindings (any status) of these users. */
export async function findBindingsInTenant(db: Connection, tenantCode: string, globalUserIds: readonly number[]): Promise<TenantBinding[]> {
  if (globalUserIds.length === 0) return [];
  const [rows] = await db.query<RowDataPacket[]>(
    'SELECT * FROM global_user_tenant_relations WHERE tenant_code = ? AND global_user_id IN (?)',
    [tenantCode, globalUserIds],
  );
  return rows.map(toBinding);
}
