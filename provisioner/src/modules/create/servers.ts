import {
  connect,
  serverTarget,
  type DatabaseServerRow,
  type MysqlTarget,
  type Pool,
  type RowDataPacket,
} from '@kg/shared';
import { buildTemplate, latestTemplateVersion, snapshotTemplate, type TemplateSnapshot } from '@kg/templates-db';
import { PermanentStepError } from './step';

/** Connection settings of the server a tenant is placed on. */
export async function tenantServer(db: Pool, serverId: number | null): Promise<{ row: DatabaseServerRow; target: MysqlTarget }> {
  if (serverId === null) throw new PermanentStepError('The tenant has no database server assigned');
  const [rows] = await db.query<RowDataPacket[]>(
    'SELECT id, name, host, port, username, secret_ref, status FROM database_servers WHERE id = ?',
    [serverId],
  );
  const r = rows[0];
  if (!r) throw new PermanentStepError(`Database server ${serverId} does not exist`);
  if (r.status === 'disabled') throw new PermanentStepError(`Database server ${r.name} (${serverId}) is disabled`);
  const row: DatabaseServerRow = {
    id: Number(r.id),
    name: r.name,
    host: r.host,
    port: Number(r.port),
    username: r.username,
    secret_ref: r.secret_ref,
  };
  return { row, target: serverTarget(row) };
}

const ready = new Map<string, Promise<TemplateSnapshot>>();

/**
 * The template snapshot of a server, making sure that server's template database is up to date
 * first. Every server holds its own copy of the template (the clone copies reference rows with
 * INSERT ... SELECT, which only works within one server); it is built on first use from
 * templates-db/migrations. The DDL snapshot is cached per process and template version.
 */
export function templateSnapshot(target: MysqlTarget, templateDb: string): Promise<TemplateSnapshot> {
  const key = `${target.host}:${target.port}/${templateDb}@${latestTemplateVersion()}`;
  let p = ready.get(key);
  if (!p) {
    p = (async () => {
      await buildTemplate(target, templateDb);
      const conn = await connect(target);
      try {
        return await snapshotTemplate(conn, templateDb);
      } finally {
        await conn.end();
      }
    })();
    p.catch(() => ready.delete(key));
    ready.set(key, p);
  }
  return p;
}
