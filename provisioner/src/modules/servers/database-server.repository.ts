import type { DatabaseServerRow, Pool, PoolConnection, RowDataPacket } from '@kg/shared';

/**
 * Reads of `database_servers`, the servers tenant databases are placed on. The control plane
 * registers and edits them; the provisioner only reads them.
 */
export interface DatabaseServer extends DatabaseServerRow {
  name: string;
  status: string;
  /** How many tenant databases placement puts on it. */
  capacity: number;
}

const COLUMNS = 'id, name, host, port, username, secret_ref, status, capacity';

export async function findDatabaseServer(db: Pool | PoolConnection, dbServerId: number): Promise<DatabaseServer | null> {
  const [rows] = await db.query<RowDataPacket[]>(`SELECT ${COLUMNS} FROM database_servers WHERE id = ?`, [dbServerId]);
  return rows[0] ? toServer(rows[0]) : null;
}

/**
 * Reads a server with its row locked inside the caller's transaction: the control plane's
 * placement locks the same rows, so a move and a create never both take a server's last slot.
 */
export async function lockDatabaseServer(conn: PoolConnection, dbServerId: number): Promise<DatabaseServer | null> {
  const [rows] = await conn.query<RowDataPacket[]>(`SELECT ${COLUMNS} FROM database_servers WHERE id = ? FOR UPDATE`, [dbServerId]);
  return rows[0] ? toServer(rows[0]) : null;
}

function toServer(r: RowDataPacket): DatabaseServer {
  return {
    id: Number(r.id),
    name: String(r.name),
    host: String(r.host),
    port: Number(r.port),
    username: String(r.username),
    secret_ref: r.secret_ref,
    status: String(r.status),
    capacity: Number(r.capacity),
  };
}
