import type { ResultSetHeader, RowDataPacket } from '@kg/shared';
import type { TestControlPlane } from './harness';
import { SUPER_ADMIN } from './harness';

/** Admin tokens of each role plus a global-user token, minted directly (no login round trip). */
export interface RoleTokens {
  operator: string;
  admin: string;
  superAdmin: string;
  user: string;
  ids: { operator: number; admin: number; superAdmin: number; user: number };
}

let counter = 0;

/** Inserts an admin user row (the hash is a placeholder: these tests never sign in with it). */
export async function insertAdmin(cp: TestControlPlane, role: 'operator' | 'admin' | 'super_admin', username?: string) {
  const name = username ?? `${role}-${process.pid}-${++counter}`;
  const [res] = await cp.db.query<ResultSetHeader>(
    "INSERT INTO admin_users (username, password, role, status) VALUES (?, 'x', ?, 'active')",
    [name, role],
  );
  return { id: res.insertId, username: name, role };
}

/** A global user row; returns its id. */
export async function insertGlobalUser(
  cp: TestControlPlane,
  u: { phone: string; realName?: string; email?: string | null; status?: string },
): Promise<number> {
  const [res] = await cp.db.query<ResultSetHeader>(
    'INSERT INTO global_users (phone, password_hash, real_name, email, status) VALUES (?, ?, ?, ?, ?)',
    [u.phone, 'x', u.realName ?? `User ${u.phone.slice(-4)}`, u.email ?? null, u.status ?? 'active'],
  );
  return res.insertId;
}

export async function roleTokens(cp: TestControlPlane): Promise<RoleTokens> {
  const op = await insertAdmin(cp, 'operator');
  const ad = await insertAdmin(cp, 'admin');
  const [[root]] = await cp.db.query<RowDataPacket[]>('SELECT id, username FROM admin_users WHERE username = ?', [
    SUPER_ADMIN.username,
  ]);
  const userPhone = `139${String(Date.now()).slice(-8)}`;
  const userId = await insertGlobalUser(cp, { phone: userPhone });
  return {
    operator: cp.ctx.tokens.signAdmin({ id: op.id, username: op.username, role: 'operator' }).token,
    admin: cp.ctx.tokens.signAdmin({ id: ad.id, username: ad.username, role: 'admin' }).token,
    superAdmin: cp.ctx.tokens.signAdmin({ id: Number(root!.id), username: String(root!.username), role: 'super_admin' }).token,
    user: cp.ctx.tokens.signUser({ id: userId, phone: userPhone }).token,
    ids: { operator: op.id, admin: ad.id, superAdmin: Number(root!.id), user: userId },
  };
}

export interface TenantRowInput {
  code: string;
  name?: string;
  domain?: string;
  databaseName?: string;
  status?: string;
  contactPhone?: string | null;
  contactName?: string | null;
  dbServerId?: number | null;
  ossPrefix?: string | null;
  schemaVersion?: number | null;
  createdAt?: Date;
}

/** Inserts a tenant registry row straight into the control DB. */
export async function insertTenant(cp: TestControlPlane, t: TenantRowInput): Promise<void> {
  await cp.db.query(
    `INSERT INTO tenants (tenant_id, name, domain, database_name, status, contact_phone, contact_name, db_server_id,
                          oss_prefix, schema_version, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      t.code,
      t.name ?? `Kindergarten ${t.code}`,
      t.domain ?? `${t.code}.localhost`,
      t.databaseName ?? `rent${t.code.slice(1)}`,
      t.status ?? 'active',
      t.contactPhone ?? null,
      t.contactName ?? null,
      t.dbServerId ?? null,
      t.ossPrefix ?? null,
      t.schemaVersion ?? null,
      t.createdAt ?? new Date(),
    ],
  );
}

/** Audit rows of an action, oldest first, with JSON columns parsed. */
export async function auditRows(cp: TestControlPlane, action: string): Promise<RowDataPacket[]> {
  const [rows] = await cp.db.query<RowDataPacket[]>('SELECT * FROM audit_logs WHERE action = ? ORDER BY id', [action]);
  for (const r of rows) {
    for (const k of ['before_data', 'after_data']) if (typeof r[k] === 'string') r[k] = JSON.parse(r[k]);
  }
  return rows;
}
