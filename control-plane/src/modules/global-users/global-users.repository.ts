import type { Page, Pool, PoolConnection, RowDataPacket } from '@kg/shared';

// Operator administration of global users (docs/console.md, Global users). Sign-in keeps its own
// reads and writes in auth/global-user.repository.ts; this file only lists accounts and changes
// their status or password on an operator's order.

export const GLOBAL_USER_STATUSES = ['active', 'locked', 'suspended', 'deleted'] as const;
export type GlobalUserStatus = (typeof GLOBAL_USER_STATUSES)[number];

export interface GlobalUserAdminView {
  id: number;
  phone: string;
  realName: string;
  email: string | null;
  status: GlobalUserStatus;
  lockedUntil: string | null;
  mustChangePassword: boolean;
  lastLoginAt: string | null;
  createdAt: string;
  tenants: Array<{ tenantCode: string; role: string; status: string }>;
}

const iso = (d: unknown): string | null => (d instanceof Date ? d.toISOString() : d == null ? null : String(d));

function likeContains(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
}

function toView(r: RowDataPacket, tenants: GlobalUserAdminView['tenants']): GlobalUserAdminView {
  return {
    id: Number(r.id),
    phone: r.phone,
    realName: r.real_name,
    email: r.email,
    status: r.status,
    lockedUntil: iso(r.locked_until),
    mustChangePassword: Boolean(r.must_change_password),
    lastLoginAt: iso(r.last_login_at),
    createdAt: iso(r.created_at)!,
    tenants,
  };
}

async function bindingsOf(db: Pool | PoolConnection, ids: number[]): Promise<Map<number, GlobalUserAdminView['tenants']>> {
  const out = new Map<number, GlobalUserAdminView['tenants']>();
  if (!ids.length) return out;
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT global_user_id, tenant_code, role_in_tenant, status FROM global_user_tenant_relations
      WHERE global_user_id IN (${ids.map(() => '?').join(', ')}) ORDER BY tenant_code`,
    ids,
  );
  for (const r of rows) {
    const id = Number(r.global_user_id);
    if (!out.has(id)) out.set(id, []);
    out.get(id)!.push({ tenantCode: r.tenant_code, role: r.role_in_tenant, status: r.status });
  }
  return out;
}

/** Global users, newest first, searched by phone, name or email, with their tenant bindings. */
export async function searchGlobalUsers(
  db: Pool,
  f: { page: number; pageSize: number; q?: string; status?: GlobalUserStatus },
): Promise<Page<GlobalUserAdminView>> {
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
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT * FROM global_users ${clause} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`,
    [...args, f.pageSize, (f.page - 1) * f.pageSize],
  );
  const bindings = await bindingsOf(db, rows.map((r) => Number(r.id)));
  return {
    items: rows.map((r) => toView(r, bindings.get(Number(r.id)) ?? [])),
    total: Number(count!.n),
    page: f.page,
    pageSize: f.pageSize,
  };
}

/** One user with bindings, locked for update within the caller's transaction. */
export async function lockGlobalUser(conn: PoolConnection, id: number): Promise<GlobalUserAdminView | null> {
  const [rows] = await conn.query<RowDataPacket[]>('SELECT * FROM global_users WHERE id = ? FOR UPDATE', [id]);
  if (!rows[0]) return null;
  return toView(rows[0], (await bindingsOf(conn, [id])).get(id) ?? []);
}

/** The account changes an operator can order. */
export type AccountChange =
  | { kind: 'lock' }
  | { kind: 'unlock' }
  | { kind: 'disable' }
  | { kind: 'reset-password'; passwordHash: string };

/**
 * Applies an operator's change. A lock has no end until unlocked (locked_until far ahead, so
 * sign-in answers ACCOUNT_LOCKED); unlock clears the lock and the failure counter; disable
 * suspends the account; a password reset stores a one-time password that must be changed.
 */
export async function applyAccountChange(conn: PoolConnection, id: number, change: AccountChange): Promise<void> {
  switch (change.kind) {
    case 'lock':
      await conn.query(`UPDATE global_users SET status = 'locked', locked_until = NOW(3) + INTERVAL 100 YEAR WHERE id = ?`, [id]);
      return;
    case 'unlock':
      await conn.query(
        `UPDATE global_users SET status = 'active', locked_until = NULL, failed_login_attempts = 0 WHERE id = ?`,
        [id],
      );
      return;
    case 'disable':
      await conn.query(`UPDATE global_users SET status = 'suspended' WHERE id = ?`, [id]);
      return;
    case 'reset-password':
      await conn.query(
        `UPDATE global_users SET password_hash = ?, must_change_password = 1, failed_login_attempts = 0 WHERE id = ?`,
        [change.passwordHash, id],
      );
      return;
  }
}
