import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from '@kg/shared';

export const DB_SERVER_STATUSES = ['active', 'draining', 'disabled'] as const;
export type DbServerStatus = (typeof DB_SERVER_STATUSES)[number];

/**
 * A database server as the API shows it. `secretRef` names where the password is read from
 * (env:NAME); the password itself is never stored or returned.
 */
export interface DbServerView {
  id: number;
  name: string;
  host: string;
  port: number;
  username: string;
  secretRef: string | null;
  capacity: number;
  status: DbServerStatus;
  /** Tenants placed on this server that still own a database (not purged). */
  tenantCount: number;
  freeCapacity: number;
  createdAt: string;
  updatedAt: string;
}

const SELECT = `
  SELECT s.*,
         (SELECT COUNT(*) FROM tenants t WHERE t.db_server_id = s.id AND t.status <> 'purged') AS tenant_count
    FROM database_servers s`;

function toView(r: RowDataPacket): DbServerView {
  const tenantCount = Number(r.tenant_count);
  return {
    id: Number(r.id),
    name: r.name,
    host: r.host,
    port: Number(r.port),
    username: r.username,
    secretRef: r.secret_ref,
    capacity: Number(r.capacity),
    status: r.status,
    tenantCount,
    freeCapacity: Math.max(0, Number(r.capacity) - tenantCount),
    createdAt: (r.created_at as Date).toISOString(),
    updatedAt: (r.updated_at as Date).toISOString(),
  };
}

export async function listDbServers(db: Pool): Promise<DbServerView[]> {
  const [rows] = await db.query<RowDataPacket[]>(`${SELECT} ORDER BY s.id`);
  return rows.map(toView);
}

export async function findDbServer(db: Pool | PoolConnection, id: number, forUpdate = false): Promise<DbServerView | null> {
  const [rows] = await db.query<RowDataPacket[]>(`${SELECT} WHERE s.id = ?${forUpdate ? ' FOR UPDATE' : ''}`, [id]);
  return rows[0] ? toView(rows[0]) : null;
}

export async function insertDbServer(
  conn: PoolConnection,
  s: { name: string; host: string; port: number; username: string; secretRef: string | null; capacity: number },
): Promise<number> {
  const [res] = await conn.query<ResultSetHeader>(
    `INSERT INTO database_servers (name, host, port, username, secret_ref, capacity, status)
     VALUES (?, ?, ?, ?, ?, ?, 'active')`,
    [s.name, s.host, s.port, s.username, s.secretRef, s.capacity],
  );
  return res.insertId;
}

export async function updateDbServer(
  conn: PoolConnection,
  id: number,
  changes: { capacity?: number; status?: DbServerStatus },
): Promise<void> {
  const sets: string[] = [];
  const args: unknown[] = [];
  if (changes.capacity !== undefined) {
    sets.push('capacity = ?');
    args.push(changes.capacity);
  }
  if (changes.status !== undefined) {
    sets.push('status = ?');
    args.push(changes.status);
  }
  if (!sets.length) return;
  await conn.query(`UPDATE database_servers SET ${sets.join(', ')} WHERE id = ?`, [...args, id]);
}
