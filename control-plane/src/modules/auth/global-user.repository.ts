import { withTransaction, type Connection, type Page, type Pool, type ResultSetHeader, type RowDataPacket } from '@kg/shared';

export type GlobalUserStatus = 'active' | 'locked' | 'suspended' | 'deleted';

/** A tenant user's global account (phone sign-in). */
export interface GlobalUser {
  id: number;
  phone: string;
  passwordHash: string;
  realName: string;
  email: string | null;
  status: GlobalUserStatus;
  failedLoginAttempts: number;
  lockedUntil: Date | null;
  /** locked_until is in the future, by the database clock. */
  lockedNow: boolean;
  lastLoginAt: Date | null;
  /** Set for accounts created with a one-time password (tenant provisioning). */
  mustChangePassword: boolean;
  /** Where the account came from: `web`, or `staff:<tenantCode>` when a tenant admin added it. */
  registrationSource: string;
  createdAt: Date;
}

/** How many consecutive failures lock an account, and for how long. */
export interface LockoutPolicy {
  maxAttempts: number;
  lockMinutes: number;
}

/** The counter after a failed attempt; `justLocked` is true for exactly the attempt that locked. */
export interface FailedLoginOutcome {
  attempts: number;
  lockedUntil: Date | null;
  justLocked: boolean;
}

interface GlobalUserRow extends RowDataPacket {
  id: number;
  phone: string;
  password_hash: string;
  real_name: string;
  email: string | null;
  status: GlobalUserStatus;
  failed_login_attempts: number;
  locked_until: Date | null;
  locked_now: number;
  last_login_at: Date | null;
  must_change_password: number;
  registration_source: string;
  created_at: Date;
}

const COLUMNS = `id, phone, password_hash, real_name, email, status, failed_login_attempts, locked_until,
  (locked_until IS NOT NULL AND locked_until > NOW(3)) AS locked_now, last_login_at, must_change_password, registration_source, created_at`;

function toGlobalUser(row: GlobalUserRow): GlobalUser {
  return {
    id: Number(row.id),
    phone: row.phone,
    passwordHash: row.password_hash,
    realName: row.real_name,
    email: row.email,
    status: row.status,
    failedLoginAttempts: row.failed_login_attempts,
    lockedUntil: row.locked_until,
    lockedNow: Boolean(row.locked_now),
    lastLoginAt: row.last_login_at,
    mustChangePassword: Boolean(row.must_change_password),
    registrationSource: row.registration_source,
    createdAt: row.created_at,
  };
}

export async function findGlobalUserByPhone(db: Connection, phone: string): Promise<GlobalUser | undefined> {
  const [rows] = await db.query<GlobalUserRow[]>(`SELECT ${COLUMNS} FROM global_users WHERE phone = ?`, [phone]);
  return rows[0] ? toGlobalUser(rows[0]) : undefined;
}

export async function findGlobalUserById(db: Connection, id: number): Promise<GlobalUser | undefined> {
  const [rows] = await db.query<GlobalUserRow[]>(`SELECT ${COLUMNS} FROM global_users WHERE id = ?`, [id]);
  return rows[0] ? toGlobalUser(rows[0]) : undefined;
}

/** Inserts a user; a duplicate phone surfaces as the driver's ER_DUP_ENTRY error. */
export async function insertGlobalUser(
  db: Connection,
  user: { phone: string; passwordHash: string; realName: string; email: string | null; registrationSource: string },
): Promise<number> {
  const [res] = await db.query<ResultSetHeader>(
    `INSERT INTO global_users (phone, password_hash, real_name, email, registration_source) VALUES (?, ?, ?, ?, ?)`,
    [user.phone, user.passwordHash, user.realName, user.email, user.registrationSource],
  );
  return Number(res.insertId);
}

/**
 * Inserts an account created for someone else (a tenant admin adding staff): its password is a
 * one-time password that must be changed at first sign-in (docs/security.md, "One-time passwords").
 */
export async function insertOneTimePasswordUser(
  conn: Connection,
  user: { phone: string; passwordHash: string; realName: string; registrationSource: string },
): Promise<number> {
  const [res] = await conn.query<ResultSetHeader>(
    `INSERT INTO global_users (phone, password_hash, real_name, registration_source, must_change_password) VALUES (?, ?, ?, ?, 1)`,
    [user.phone, user.passwordHash, user.realName, user.registrationSource],
  );
  return Number(res.insertId);
}

/** Ends an expired lock: the counter starts again from zero. A no-op while still locked. */
export async function clearExpiredGlobalUserLock(db: Connection, id: number): Promise<void> {
  await db.query(
    `UPDATE global_users
        SET failed_login_attempts = 0, locked_until = NULL, status = IF(status = 'locked', 'active', status)
      WHERE id = ? AND locked_until IS NOT NULL AND locked_until <= NOW(3)`,
    [id],
  );
}

/**
 * Counts a failed attempt with one atomic UPDATE (concurrent failures all count) and locks the
 * account when the counter reaches the policy's maximum. The follow-up read runs in the same
 * transaction, under the row lock the UPDATE took, so it sees exactly this attempt's count.
 */
export async function recordGlobalUserFailedLogin(db: Pool, id: number, policy: LockoutPolicy): Promise<FailedLoginOutcome> {
  return withTransaction(db, async (conn) => {
    // Assignments read failed_login_attempts before it is incremented (it is assigned last).
    await conn.query(
      `UPDATE global_users
          SET status = IF(failed_login_attempts + 1 >= ? AND status = 'active', 'locked', status),
              locked_until = IF(failed_login_attempts + 1 >= ?, NOW(3) + INTERVAL ? MINUTE, locked_until),
              failed_login_attempts = failed_login_attempts + 1
        WHERE id = ?`,
      [policy.maxAttempts, policy.maxAttempts, policy.lockMinutes, id],
    );
    const [rows] = await conn.query<RowDataPacket[]>(
      'SELECT failed_login_attempts, locked_until FROM global_users WHERE id = ?',
      [id],
    );
    const attempts = Number(rows[0]?.failed_login_attempts ?? 0);
    return { attempts, lockedUntil: (rows[0]?.locked_until as Date | null) ?? null, justLocked: attempts === policy.maxAttempts };
  });
}

/** A successful sign-in resets the counter and any lock, and stamps last_login_at. */
export async function recordGlobalUserSuccessfulLogin(db: Connection, id: number): Promise<void> {
  await db.query(
    `UPDATE global_users
        SET failed_login_attempts = 0, locked_until = NULL, status = IF(status = 'locked', 'active', status),
            last_login_at = NOW(3)
      WHERE id = ?`,
    [id],
  );
}

/** Replaces the password hash and clears the must-change flag. */
export async function updateGlobalUserPassword(db: Connection, id: number, passwordHash: string): Promise<void> {
  await db.query('UPDATE global_users SET password_hash = ?, must_change_password = 0 WHERE id = ?', [passwordHash, id]);
}

/** Escapes LIKE wildcards so a search for "138_" means exactly that. */
function likeContains(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
}

export interface GlobalUserSearch {
  page: number;
  pageSize: number;
  /** Searched in phone, real name and email. */
  q?: string;
  status?: GlobalUserStatus;
}

/** Global users for the operators' list, newest first, searched and filtered by status. */
export async function searchGlobalUsers(db: Connection, f: GlobalUserSearch): Promise<Page<GlobalUser>> {
  const where: string[] = [];
  const args: unknown[] = [];
  if (f.q) {
    const like = likeContains(f.q);
    where.push('(phone LIKE ? OR real_name LIKE ? OR email LIKE ?)');
    args.push(like, like, like);
  }
  if (f.status) {
    where.push('status = ?');
    args.push(f.status);
  }
  const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const [[count]] = await db.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM global_users ${clause}`, args);
  const [rows] = await db.query<GlobalUserRow[]>(
    `SELECT ${COLUMNS} FROM global_users ${clause} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`,
    [...args, f.pageSize, (f.page - 1) * f.pageSize],
  );
  return { items: rows.map(toGlobalUser), total: Number(count!.n), page: f.page, pageSize: f.pageSize };
}

/** The user, locked for update until the caller's transaction ends; undefined when unknown. */
export async function lockGlobalUser(conn: Connection, id: number): Promise<GlobalUser | undefined> {
  const [rows] = await conn.query<GlobalUserRow[]>(`SELECT ${COLUMNS} FROM global_users WHERE id = ? FOR UPDATE`, [id]);
  return rows[0] ? toGlobalUser(rows[0]) : undefined;
}

/** The account changes an operator can order (docs/console.md, Operator API). */
export type OperatorAccountChange =
  | { kind: 'lock' }
  | { kind: 'unlock' }
  | { kind: 'disable' }
  | { kind: 'reset-password'; passwordHash: string };

/**
 * Applies an operator's change. A lock has no end until unlocked (locked_until far ahead, so
 * sign-in answers ACCOUNT_LOCKED); unlock clears the lock and the failure counter; disable
 * suspends the account; a password reset stores a one-time password that must be changed.
 */
export async function applyOperatorAccountChange(conn: Connection, id: number, change: OperatorAccountChange): Promise<void> {
  switch (change.kind) {
    case 'lock':
      await conn.query(`UPDATE global_users SET status = 'locked', locked_until = NOW(3) + INTERVAL 100 YEAR WHERE id = ?`, [id]);
      return;
    case 'unlock':
      await conn.query(`UPDATE global_users SET status = 'active', locked_until = NULL, failed_login_attempts = 0 WHERE id = ?`, [id]);
      return;
    case 'disable':
      await conn.query(`UPDATE global_users SET status = 'suspended' WHERE id = ?`, [id]);
      return;
    case 'reset-password':
      await conn.query(
        'UPDATE global_users SET password_hash = ?, must_change_password = 1, failed_login_attempts = 0 WHERE id = ?',
        [change.passwordHash, id],
      );
      return;
  }
}
