import type { Connection, RowDataPacket, ResultSetHeader } from 'mysql2/promise';
import type { MysqlTarget } from './mysql';
import { operationLogInsert, type OperationLogEntry } from './operation-log';

/**
 * Helpers for reaching a tenant database and writing the tenant-local side of a user binding.
 * The control plane (POST /api/tenants/:code/users) and the provisioner ("create tenant admin"
 * step) both use them, so a user bound either way ends up with the same rows.
 */

/** Roles a global user can hold inside a tenant (codes of the tenant's `roles` table). */
export const TENANT_ROLES = ['admin', 'teacher', 'staff', 'viewer'] as const;
export type TenantRole = (typeof TENANT_ROLES)[number];

/**
 * `env:NAME` where NAME ends in PASSWORD. The restriction matters: whoever registers a server
 * chooses its host, and a hostile server can obtain the password during the handshake, so a
 * reference must never be able to point at other secrets of the process (MASTER_KEY...).
 */
const SECRET_REF_RE = /^env:([A-Za-z_][A-Za-z0-9_]*PASSWORD)$/;

/** True when `ref` is a supported secret reference (`env:NAME`, NAME ending in PASSWORD). */
export function isSecretRef(ref: string): boolean {
  return SECRET_REF_RE.test(ref);
}

/**
 * True when `ref` may be registered: a supported reference that is also on the deployment's
 * explicit list (DB_SERVER_SECRET_REFS). The pattern alone would still let an operator point a
 * server at any `*PASSWORD` variable of the process, such as BOOTSTRAP_ADMIN_PASSWORD.
 */
export function isAllowedSecretRef(ref: string, allowed: readonly string[]): boolean {
  return isSecretRef(ref) && allowed.includes(ref);
}

/**
 * Resolves a database server's secret reference to the password. Passwords are never stored in
 * the control database, only where to read them: `env:NAME` reads `process.env.NAME` (unset
 * means an empty password, as for a local root without one); null or '' means no password.
 */
export function resolveSecret(secretRef: string | null | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (secretRef === null || secretRef === undefined || secretRef === '') return '';
  const m = SECRET_REF_RE.exec(secretRef);
  if (!m) throw new Error(`Unsupported secret reference ${JSON.stringify(secretRef)} (expected env:NAME_PASSWORD)`);
  return env[m[1]!] ?? '';
}

/** The columns of a `database_servers` row needed to connect to it. */
export interface DatabaseServerRow {
  id: number;
  name?: string;
  host: string;
  port: number;
  username: string;
  secret_ref: string | null;
}

/** Connection settings for a `database_servers` row, with its password resolved. */
export function serverTarget(row: DatabaseServerRow): MysqlTarget {
  return { host: row.host, port: Number(row.port), user: row.username, password: resolveSecret(row.secret_ref) };
}

export interface TenantUserInput {
  globalUserId: number;
  phone: string;
  realName: string;
  email?: string | null;
  role: TenantRole | string;
  /** Tenant-local status to set (default `active`; staff management disables with `inactive`). */
  status?: 'active' | 'inactive';
  /** An operation log row written in the same transaction (staff management). */
  log?: (tenantUserId: number) => OperationLogEntry;
}

/**
 * Creates or updates the tenant-local `users` row of a global user (matched by global_user_id,
 * else by phone) and makes `role` its only role in `user_roles`. Idempotent: running it again
 * with the same input changes nothing; with another role it replaces the previous one.
 *
 * `conn` must be connected to the tenant database and not inside a transaction: this function
 * runs its own. Returns the tenant user id (stored as the relation's `tenant_user_id`).
 */
export async function ensureTenantUser(conn: Connection, input: TenantUserInput): Promise<number> {
  // Two binds of the same new user racing each other: the loser hits the unique key (or a
  // deadlock) and simply runs again, now finding the row the winner created.
  for (let attempt = 1; ; attempt++) {
    try {
      return await upsertTenantUser(conn, input);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (attempt >= 3 || (code !== 'ER_DUP_ENTRY' && code !== 'ER_LOCK_DEADLOCK')) throw err;
    }
  }
}

async function upsertTenantUser(conn: Connection, input: TenantUserInput): Promise<number> {
  await conn.beginTransaction();
  try {
    const [roleRows] = await conn.query<RowDataPacket[]>('SELECT id FROM roles WHERE code = ?', [input.role]);
    if (roleRows.length === 0) throw new Error(`Role ${JSON.stringify(input.role)} does not exist in the tenant database`);
    const roleId = Number(roleRows[0]!.id);

    // Prefer the row already linked to this global user; fall back to one created by phone.
    const [existing] = await conn.query<RowDataPacket[]>(
      `SELECT id FROM users WHERE global_user_id = ? OR phone = ?
       ORDER BY (global_user_id = ?) DESC, id LIMIT 1 FOR UPDATE`,
      [input.globalUserId, input.phone, input.globalUserId],
    );
    let userId: number;
    if (existing.length > 0) {
      userId = Number(existing[0]!.id);
      await conn.query(
        `UPDATE users SET global_user_id = ?, phone = ?, real_name = ?, email = COALESCE(?, email), status = ?
         WHERE id = ?`,
        [input.globalUserId, input.phone, input.realName, input.email ?? null, input.status ?? 'active', userId],
      );
    } else {
      const [res] = await conn.query<ResultSetHeader>(
        `INSERT INTO users (global_user_id, phone, real_name, email, status) VALUES (?, ?, ?, ?, ?)`,
        [input.globalUserId, input.phone, input.realName, input.email ?? null, input.status ?? 'active'],
      );
      userId = res.insertId;
    }

    await conn.query('DELETE FROM user_roles WHERE user_id = ? AND role_id <> ?', [userId, roleId]);
    const [has] = await conn.query<RowDataPacket[]>('SELECT 1 FROM user_roles WHERE user_id = ? AND role_id = ?', [
      userId,
      roleId,
    ]);
    if (has.length === 0) {
      await conn.query('INSERT INTO user_roles (user_id, role_id) VALUES (?, ?)', [userId, roleId]);
    }
    if (input.log) {
      const { sql, params } = operationLogInsert('operation_logs', input.log(userId));
      await conn.query(sql, params);
    }
    await conn.commit();
    return userId;
  } catch (err) {
    await conn.rollback().catch(() => undefined);
    throw err;
  }
}

/**
 * Takes a global user's tenant-local access away (a tenant admin removed them): the `users` row
 * stays for the history that refers to it, set `inactive`, and its role grants are deleted. The
 * log row is written in the same transaction. Returns the tenant user id, or null when the tenant
 * has no row for that user. Idempotent.
 */
export async function withdrawTenantUser(
  conn: Connection,
  globalUserId: number,
  log?: (tenantUserId: number) => OperationLogEntry,
): Promise<number | null> {
  await conn.beginTransaction();
  try {
    const [rows] = await conn.query<RowDataPacket[]>('SELECT id FROM users WHERE global_user_id = ? FOR UPDATE', [globalUserId]);
    if (rows.length === 0) {
      await conn.commit();
      return null;
    }
    const userId = Number(rows[0]!.id);
    await conn.query("UPDATE users SET status = 'inactive' WHERE id = ?", [userId]);
    await conn.query('DELETE FROM user_roles WHERE user_id = ?', [userId]);
    if (log) {
      const { sql, params } = operationLogInsert('operation_logs', log(userId));
      await conn.query(sql, params);
    }
    await conn.commit();
    return userId;
  } catch (err) {
    await conn.rollback().catch(() => undefined);
    throw err;
  }
}
