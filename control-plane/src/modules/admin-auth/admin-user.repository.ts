import { withTransaction, type AdminRole, type Connection, type Pool, type RowDataPacket } from '@kg/shared';
import type { FailedLoginOutcome, LockoutPolicy } from '../auth/global-user.repository';

export type AdminStatus = 'active' | 'inactive' | 'suspended';

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
}

// Seed 004: the hash lives in admin_users.password.
const COLUMNS = `id, username, email, password, role, status, locked_until,
  (locked_until IS NOT NULL AND locked_until > NOW(3)) AS locked_now, last_login_at`;

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
  };
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
