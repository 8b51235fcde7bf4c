import {
  withTransaction,
  type AdminRole,
  type Connection,
  type Pool,
  type PoolConnection,
  type ResultSetHeader,
  type RowDataPacket,
} from '@kg/shared';
import type { FailedLoginOutcome, LockoutPolicy } from '../auth/global-user.repository';

/**
 * The control plane's one owner of `admin_users` (docs/data-ownership.md): operator accounts,
 * mapped once to AdminUser (what sign-in checks); AdminUserView is what the admin API shows.
 */

export const ADMIN_ROLES = ['super_admin', 'admin', 'operator'] as const;
export const ADMIN_STATUSES = ['active', 'inactive', 'suspended'] as const;
export type AdminStatus = (typeof ADMIN_STATUSES)[number];

/** An operator account of the platform (username sign-in). */
export interface AdminUser {
  id: number;
  username: string;
  email: string | null;
  passwordHash: string;
  role: AdminRole;
  status: AdminStatus;
  lockedUntil: Date | null;
  /** locked_until is in the future, by the database clock. */
  lockedNow: boolean;
  lastLoginAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

interface AdminRow extends RowDataPacket {
  id: number;
  username: string;
  email: string | null;
  password: string;
  role: AdminRole;
  status: AdminStatus;
  locked_until: Date | null;
  locked_now: number;
  last_login_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

// The hash lives in admin_users.password (the column name of the original design).
const COLUMNS = `id, username, email, password, role, status, locked_until,
  (locked_until IS NOT NULL AND locked_until > NOW(3)) AS locked_now, last_login_at, created_at, updated_at`;

function toAdmin(row: AdminRow): AdminUser {
  return {
    id: Number(row.id),
    username: row.username,
    email: row.email,
    passwordHash: row.password,
    role: row.role,
    status: row.status,
    lockedUntil: row.locked_until,
    lockedNow: Boolean(row.locked_now),
    lastLoginAt: row.last_login_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

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

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

function toView(a: AdminUser): AdminUserView {
  return {
    id: a.id,
    username: a.username,
    email: a.email,
    role: a.role,
    status: a.status,
    lockedUntil: iso(a.lockedUntil),
    lastLoginAt: iso(a.lastLoginAt),
    createdAt: a.createdAt.toISOString(),
    updatedAt: a.updatedAt.toISOString(),
  };
}

export async function listAdminUsers(db: Pool): Promise<AdminUserView[]> {
  const [rows] = await db.query<AdminRow[]>(`SELECT ${COLUMNS} FROM admin_users ORDER BY id`);
  return rows.map((r) => toView(toAdmin(r)));
}

export async function findAdminUser(db: Connection, id: number): Promise<AdminUserView | null> {
  const [rows] = await db.query<AdminRow[]>(`SELECT ${COLUMNS} FROM admin_users WHERE id = ?`, [id]);
  return rows[0] ? toView(toAdmin(rows[0])) : null;
}

/**
 * Locks every active super admin and the target row, in id order, so two concurrent demotions
 * cannot each see "another super admin is left" and together remove the last one.
 */
export async function lockForAdminChange(
  conn: PoolConnection,
  id: number,
): Promise<{ target: AdminUserView | null; activeSuperAdminIds: number[] }> {
  const [rows] = await conn.query<AdminRow[]>(
    `SELECT ${COLUMNS} FROM admin_users WHERE id = ? OR (role = 'super_admin' AND status = 'active') ORDER BY id FOR UPDATE`,
    [id],
  );
  const views = rows.map((r) => toView(toAdmin(r)));
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

export async function findAdminByUsername(db: Connection, username: string): Promise<AdminUser | undefined> {
  const [rows] = await db.query<AdminRow[]>(`SELECT ${COLUMNS} FROM admin_users WHERE username = ?`, [username]);
  return rows[0] ? toAdmin(rows[0]) : undefined;
}

export async function findAdminById(db: Connection, id: number): Promise<AdminUser | undefined> {
  const [rows] = await db.query<AdminRow[]>(`SELECT ${COLUMNS} FROM admin_users WHERE id = ?`, [id]);
  return rows[0] ? toAdmin(rows[0]) : undefined;
}

/** Ends an expired lock: the counter starts again from zero. A no-op while still locked. */
export async function clearExpiredAdminLock(db: Connection, id: number): Promise<void> {
  await db.query(
    `UPDATE admin_users SET failed_login_attempts = 0, locked_until = NULL
      WHERE id = ? AND locked_until IS NOT NULL AND locked_until <= NOW(3)`,
    [id],
  );
}

/** Counts a failed attempt atomically and locks at the policy's maximum (see the global-user twin). */
export async function recordAdminFailedLogin(db: Pool, id: number, policy: LockoutPolicy): Promise<FailedLoginOutcome> {
  return withTransaction(db, async (conn) => {
    await conn.query(
      `UPDATE admin_users
          SET locked_until = IF(failed_login_attempts + 1 >= ?, NOW(3) + INTERVAL ? MINUTE, locked_until),
              failed_login_attempts = failed_login_attempts + 1
        WHERE id = ?`,
      [policy.maxAttempts, policy.lockMinutes, id],
    );
    const [rows] = await conn.query<RowDataPacket[]>(
      'SELECT failed_login_attempts, locked_until FROM admin_users WHERE id = ?',
      [id],
    );
    const attempts = Number(rows[0]?.failed_login_attempts ?? 0);
    return { attempts, lockedUntil: (rows[0]?.locked_until as Date | null) ?? null, justLocked: attempts === policy.maxAttempts };
  });
}

/** A successful sign-in resets the counter and any lock, and stamps last_login_at. */
export async function recordAdminSuccessfulLogin(db: Connection, id: number): Promise<void> {
  await db.query(
    'UPDATE admin_users SET failed_login_attempts = 0, locked_until = NULL, last_login_at = NOW(3) WHERE id = ?',
    [id],
  );
}

/** The username of a super admin, or null when there is none yet (first start). */
export async function findSuperAdminUsername(db: Connection): Promise<string | null> {
  const [rows] = await db.query<RowDataPacket[]>("SELECT username FROM admin_users WHERE role = 'super_admin' LIMIT 1");
  return rows[0] ? String(rows[0].username) : null;
}

/** Inserts an active super admin unless the username is taken; true when this call inserted it. */
export async function insertSuperAdminIfAbsent(db: Connection, a: { username: string; passwordHash: string }): Promise<boolean> {
  const [res] = await db.query<ResultSetHeader>(
    "INSERT IGNORE INTO admin_users (username, password, role, status) VALUES (?, ?, 'super_admin', 'active')",
    [a.username, a.passwordHash],
  );
  return res.affectedRows > 0;
}
