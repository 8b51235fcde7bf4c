import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from '@kg/shared';
import type { AdminRole } from '@kg/shared';

export const ADMIN_ROLES = ['super_admin', 'admin', 'operator'] as const;
export const ADMIN_STATUSES = ['active', 'inactive', 'suspended'] as const;
export type AdminStatus = (typeof ADMIN_STATUSES)[number];

/** An admin user as the API shows it: never the password hash. */
export interface AdminUserView {
  id: number;
  username: string;
  email: string | null;
  role: AdminRole;
  status: AdminStatus;
  lockedUntil: string | null;
  lastLoginAt: string | null;
  createdAt: string;
  updatedAt: string;
}

const iso = (d: unknown): string | null => (d instanceof Date ? d.toISOString() : d == null ? null : String(d));

const COLUMNS = 'id, username, email, role, status, locked_until, last_login_at, created_at, updated_at';

function toView(r: RowDataPacket): AdminUserView {
  return {
    id: Number(r.id),
    username: r.username,
    email: r.email,
    role: r.role,
    status: r.status,
    lockedUntil: iso(r.locked_until),
    lastLoginAt: iso(r.last_login_at),
    createdAt: iso(r.created_at)!,
    updatedAt: iso(r.updated_at)!,
  };
}

export async function listAdminUsers(db: Pool): Promise<AdminUserView[]> {
  const [rows] = await db.query<RowDataPacket[]>(`SELECT ${COLUMNS} FROM admin_users ORDER BY id`);
  return rows.map(toView);
}

export async function findAdminUser(db: Pool | PoolConnection, id: number): Promise<AdminUserView | null> {
  const [rows] = await db.query<RowDataPacket[]>(`SELECT ${COLUMNS} FROM admin_users WHERE id = ?`, [id]);
  return rows[0] ? toView(rows[0]) : null;
}

/**
 * Locks every active super admin and the target row, in id order, so two concurrent demotions
 * cannot each see "another super admin is left" and together remove the last one.
 */
export async function lockForAdminChange(
  conn: PoolConnection,
  id: number,
): Promise<{ target: AdminUserView | null; activeSuperAdminIds: number[] }> {
  const [rows] = await conn.query<RowDataPacket[]>(
    `SELECT ${COLUMNS} FROM admin_users WHERE id = ? OR (role = 'super_admin' AND status = 'active') ORDER BY id FOR UPDATE`,
    [id],
  );
  const views = rows.map(toView);
  return {
    target: views.find((v) => v.id === id) ?? null,
    activeSuperAdminIds: views.filter((v) => v.role === 'super_admin' && v.status === 'active').map((v) => v.id),
  };
}

export async function insertAdminUser(
  conn: PoolConnection,
  a: { username: string; email: string | null; passwordHash: string; role: AdminRole },
): Promise<number> {
  const [res] = await conn.query<ResultSetHeader>(
    "INSERT INTO admin_users (username, email, password, role, status) VALUES (?, ?, ?, ?, 'active')",
    [a.username, a.email, a.passwordHash, a.role],
  );
  return res.insertId;
}

export async function updateAdminUser(
  conn: PoolConnection,
  id: number,
  changes: { role?: AdminRole; status?: AdminStatus; passwordHash?: string; clearLock?: boolean },
): Promise<void> {
  const sets: string[] = [];
  const args: unknown[] = [];
  if (changes.role !== undefined) {
    sets.push('role = ?');
    args.push(changes.role);
  }
  if (changes.status !== undefined) {
    sets.push('status = ?');
    args.push(changes.status);
  }
  if (changes.passwordHash !== undefined) {
    sets.push('password = ?');
    args.push(changes.passwordHash);
  }
  if (changes.clearLock) sets.push('failed_login_attempts = 0', 'locked_until = NULL');
  if (!sets.length) return;
  await conn.query(`UPDATE admin_users SET ${sets.join(', ')} WHERE id = ?`, [...args, id]);
}
