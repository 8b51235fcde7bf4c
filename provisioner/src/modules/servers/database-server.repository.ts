import type { DatabaseServerRow, Pool, RowDataPacket } from '@kg/shared';

/**
 * Reads of `database_servers`, the servers tenant databases are placed on. The control plane
 * registers and edits them; the provisioner only reads them.
 */
export interface DatabaseServer extends DatabaseServerRow {
  name: string;
  status: string;
}

export async function findDatabaseServer(db: Pool, dbServerId: number): Promise<DatabaseServer | null> {
  const [rows] = await db.query<RowDataPacket[]>(
    'SELECT id, name, host, port, username, secret_ref, status FROM database_servers WHERE id = ?',
    [dbServerId],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    id: Number(r.id),
    name: String(r.name),
    host: String(r.host),
    port: Number(r.port),
    username: String(r.username),
    secret_ref: r.secret_ref,
    status: String(r.status),
  };
}
