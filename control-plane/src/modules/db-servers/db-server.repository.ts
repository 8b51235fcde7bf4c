import type { Connection, ResultSetHeader, RowDataPacket } from '@kg/shared';

/**
 * The control plane's one owner of `database_servers` (docs/data-ownership.md): where tenant
 * databases may be placed. Columns are mapped to DbServer here only.
 */

export const DB_SERVER_STATUSES = ['active', 'draining', 'disabled'] as const;
export type DbServerStatus = (typeof DB_SERVER_STATUSES)[number];

/** A database server row. `secretRef` names where the password is read from (env:NAME). */
export interface DbServer {
  id: number;
  name: string;
  host: string;
  port: number;
  username: string;
  secretRef: string | null;
  capacity: number;
  status: DbServerStatus;
  createdAt: Date;
  updatedAt: Date;
}

function toDbServer(r: RowDataPacket): DbServer {
  return {
    id: Number(r.id),
    name: r.name,
    host: r.host,
    port: Number(r.port),
    username: r.username,
    secretRef: r.secret_ref,
    capacity: Number(r.capacity),
    status: r.status,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export async function listDbServers(db: Connection): Promise<DbServer[]> {
  const [rows] = await db.query<RowDataPacket[]>('SELECT * FROM database_servers ORDER BY id');
  return rows.map(toDbServer);
}

/**
 * Every server, row-locked in id order until the caller's transaction ends: creates place one
 * after the other, so two of them cannot both take a server's last free slot.
 */
export async function lockDbServers(conn: Connection): Promise<DbServer[]> {
  const [rows] = await conn.query<RowDataPacket[]>('SELECT * FROM database_servers ORDER BY id FOR UPDATE');
  return rows.map(toDbServer);
}

export async function findDbServer(db: Connection, id: number, forUpdate = false): Promise<DbServer | null> {
  const [rows] = await db.query<RowDataPacket[]>(`SELECT * FROM database_servers WHERE id = ?${forUpdate ? ' FOR UPDATE' : ''}`, [id]);
  return rows[0] ? toDbServer(rows[0]) : null;
}

/** Inserts a server; a taken name or endpoint surfaces as ER_DUP_ENTRY naming the unique key. */
export async function insertDbServer(
  conn: Connection,
  s: { name: string; host: string; port: number; username: string; secretRef: string | null; capacity: number },
): Promise<number> {
  const [res] = await conn.query<ResultSetHeader>(
    `INSERT INTO database_servers (name, host, port, username, secret_ref, capacity, status)
     VALUES (?, ?, ?, ?, ?, ?, 'active')`,
    [s.name, s.host, s.port, s.username, s.secretRef, s.capacity],
  );
  return res.insertId;
}

/**
 * Registers the configured MySQL server as the first row, named `local`, when the table is
 * empty. Its password is referenced, never stored (secret_ref env:MYSQL_PASSWORD).
 */
export async function insertFirstDbServer(db: Connection, s: { host: string; port: number; username: string }): Promise<void> {
  await db.query(
    `INSERT INTO database_servers (name, host, port, username, secret_ref, capacity, status)
     SELECT 'local', ?, ?, ?, 'env:MYSQL_PASSWORD', 500, 'active' FROM DUAL
     WHERE NOT EXISTS (SELECT 1 FROM database_servers)`,
    [s.host, s.port, s.username],
  );
}

/** The secret reference of the provisioner's own account (docs/privileges.md, Service accounts). */
export const PROVISIONER_SECRET_REF = 'env:PROVISIONER_MYSQL_PASSWORD';

/**
 * Points the `local` row (the control database's own server) at the account the provisioner
 * works with there: its own account when it has one, else the set-up account (MYSQL_USER, as
 * first registered). Returns whether the row changed.
 */
export async function setLocalServerAccount(
  db: Connection,
  s: { host: string; port: number; username: string; secretRef: string },
): Promise<boolean> {
  const [res] = await db.query<ResultSetHeader>(
    `UPDATE database_servers SET username = ?, secret_ref = ?
      WHERE name = 'local' AND host = ? AND port = ? AND NOT (username <=> ? AND secret_ref <=> ?)`,
    [s.username, s.secretRef, s.host, s.port, s.username, s.secretRef],
  );
  return res.affectedRows > 0;
}

export async function updateDbServer(
  conn: Connection,
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

/** The version string of the server `conn` is connected to (a registration's connection check). */
export async function serverVersion(conn: Connection): Promise<string> {
  const [rows] = await conn.query<RowDataPacket[]>('SELECT VERSION() AS v');
  return String(rows[0]!.v);
}
