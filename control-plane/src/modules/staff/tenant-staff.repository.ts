import { operationLogInsert, type Connection, type OperationLogEntry, type ResultSetHeader, type RowDataPacket } from '@kg/shared';

/**
 * Statements of the control plane's staff management on a tenant's own database (a connection
 * opened to that database, docs/staff-app.md, "Staff management"): the tenant's users with their
 * role, its roles and their permissions, and its operation log. Tenant users themselves are
 * written by the shared `ensureTenantUser` / `withdrawTenantUser` (docs/data-ownership.md).
 */

/** A tenant-local user as staff management shows it. */
export interface TenantMember {
  tenantUserId: number;
  globalUserId: number;
  phone: string;
  realName: string;
  status: string;
  /** Role codes held (staff management keeps exactly one). */
  roles: string[];
  lastLoginAt: Date | null;
}

/** The tenant users of these global users, with their role codes. */
export async function findMembers(conn: Connection, globalUserIds: readonly number[]): Promise<Map<number, TenantMember>> {
  const out = new Map<number, TenantMember>();
  if (globalUserIds.length === 0) return out;
  const [rows] = await conn.query<RowDataPacket[]>(
    `SELECT u.id, u.global_user_id, u.phone, u.real_name, u.status, u.last_login_at, r.code AS role
       FROM users u LEFT JOIN user_roles ur ON ur.user_id = u.id LEFT JOIN roles r ON r.id = ur.role_id
      WHERE u.global_user_id IN (?) ORDER BY r.code`,
    [globalUserIds],
  );
  for (const r of rows) {
    const id = Number(r.global_user_id);
    const m: TenantMember = out.get(id) ?? {
      tenantUserId: Number(r.id),
      globalUserId: id,
      phone: r.phone,
      realName: r.real_name,
      status: r.status,
      roles: [] as string[],
      lastLoginAt: r.last_login_at,
    };
    if (r.role) m.roles.push(String(r.role));
    out.set(id, m);
  }
  return out;
}

/** The permission codes a global user holds in this tenant, or null when not an active tenant user. */
export async function findActivePermissions(conn: Connection, globalUserId: number): Promise<{ tenantUserId: number; permissions: Set<string> } | null> {
  const [rows] = await conn.query<RowDataPacket[]>(
    `SELECT u.id, p.code FROM users u
       LEFT JOIN user_roles ur ON ur.user_id = u.id
       LEFT JOIN role_permissions rp ON rp.role_id = ur.role_id
       LEFT JOIN permissions p ON p.id = rp.permission_id
      WHERE u.global_user_id = ? AND u.status = 'active'`,
    [globalUserId],
  );
  if (rows.length === 0) return null;
  return { tenantUserId: Number(rows[0]!.id), permissions: new Set(rows.filter((r) => r.code).map((r) => String(r.code))) };
}

/** A role of the tenant with its permission codes and how many users hold it. */
export interface TenantRoleRow {
  id: number;
  code: string;
  name: string;
  description: string | null;
  isSystem: boolean;
  permissions: string[];
  memberCount: number;
}

/** Every role of the tenant (system roles first), with permissions and holders. */
export async function listRoles(conn: Connection): Promise<TenantRoleRow[]> {
  const [roles] = await conn.query<RowDataPacket[]>(
    `SELECT r.id, r.code, r.name, r.description, r.is_system,
            (SELECT COUNT(*) FROM user_roles ur WHERE ur.role_id = r.id) AS members
       FROM roles r ORDER BY r.is_system DESC, r.id`,
  );
  const [grants] = await conn.query<RowDataPacket[]>(
    'SELECT rp.role_id, p.code FROM role_permissions rp JOIN permissions p ON p.id = rp.permission_id ORDER BY p.id',
  );
  return roles.map((r) => ({
    id: Number(r.id),
    code: r.code,
    name: r.name,
    description: r.description,
    isSystem: Boolean(r.is_system),
    permissions: grants.filter((g) => Number(g.role_id) === Number(r.id)).map((g) => String(g.code)),
    memberCount: Number(r.members),
  }));
}

/** One role by id, or null. */
export async function findRole(conn: Connection, id: number): Promise<TenantRoleRow | null> {
  return (await listRoles(conn)).find((r) => r.id === id) ?? null;
}

/** The role with this code, or null. */
export async function findRoleByCode(conn: Connection, code: string): Promise<{ id: number; code: string } | null> {
  const [rows] = await conn.query<RowDataPacket[]>('SELECT id, code FROM roles WHERE code = ?', [code]);
  return rows[0] ? { id: Number(rows[0].id), code: String(rows[0].code) } : null;
}

/** Every permission of the tenant (code and name), in catalogue order. */
export async function listPermissions(conn: Connection): Promise<Array<{ code: string; resource: string; action: string; name: string }>> {
  const [rows] = await conn.query<RowDataPacket[]>('SELECT code, resource, action, name FROM permissions ORDER BY id');
  return rows.map((r) => ({ code: r.code, resource: r.resource, action: r.action, name: r.name }));
}

/** Ids of these permission codes; codes that do not exist are absent. */
export async function permissionIds(conn: Connection, codes: readonly string[]): Promise<Map<string, number>> {
  if (codes.length === 0) return new Map();
  const [rows] = await conn.query<RowDataPacket[]>('SELECT id, code FROM permissions WHERE code IN (?)', [codes]);
  return new Map(rows.map((r) => [String(r.code), Number(r.id)]));
}

/** Inserts a custom role (is_system = 0); a duplicate code surfaces as ER_DUP_ENTRY. */
export async function insertRole(conn: Connection, r: { code: string; name: string; description: string | null }): Promise<number> {
  const [res] = await conn.query<ResultSetHeader>('INSERT INTO roles (code, name, description, is_system) VALUES (?, ?, ?, 0)', [
    r.code,
    r.name,
    r.description,
  ]);
  return res.insertId;
}

/** Changes a role's name and description (fields left undefined are kept). */
export async function updateRole(conn: Connection, id: number, r: { name?: string; description?: string | null }): Promise<void> {
  await conn.query('UPDATE roles SET name = COALESCE(?, name), description = IF(?, ?, description) WHERE id = ?', [
    r.name ?? null,
    r.description !== undefined,
    r.description ?? null,
    id,
  ]);
}

/** Replaces a role's permissions with exactly these ids. */
export async function setRolePermissions(conn: Connection, roleId: number, permissionIdList: readonly number[]): Promise<void> {
  await conn.query('DELETE FROM role_permissions WHERE role_id = ?', [roleId]);
  if (permissionIdList.length > 0) {
    await conn.query('INSERT INTO role_permissions (role_id, permission_id) VALUES ?', [permissionIdList.map((p) => [roleId, p])]);
  }
}

/** Deletes a role; one still held fails with ER_ROW_IS_REFERENCED (the caller checks first). */
export async function deleteRole(conn: Connection, id: number): Promise<void> {
  await conn.query('DELETE FROM roles WHERE id = ?', [id]);
}

/** Appends one operation log row (docs/staff-app.md, "Audit"). */
export async function appendOperationLog(conn: Connection, entry: OperationLogEntry): Promise<void> {
  const { sql, params } = operationLogInsert('operation_logs', entry);
  await conn.query(sql, params);
}
