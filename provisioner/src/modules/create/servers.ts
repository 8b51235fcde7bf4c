import { connect, serverTarget, type MysqlTarget, type Pool } from '@kg/shared';
import { buildTemplate, latestTemplateVersion, snapshotTemplate, type TemplateSnapshot } from '@kg/templates-db';
import { findDatabaseServer, type DatabaseServer } from '../servers/database-server.repository';
import { PermanentStepError } from './step';

/**
 * The server a tenant was placed on, with its connection settings. A pipeline step cannot
 * succeed without one, or on a disabled one: those failures are permanent.
 */
export async function tenantServer(db: Pool, dbServerId: number | null): Promise<{ server: DatabaseServer; target: MysqlTarget }> {
  if (dbServerId === null) throw new PermanentStepError('The tenant has no database server assigned');
  const server = await findDatabaseServer(db, dbServerId);
  if (!server) throw new PermanentStepError(`Database server ${dbServerId} does not exist`);
  if (server.status === 'disabled') throw new PermanentStepError(`Database server ${server.name} (${dbServerId}) is disabled`);
  return { server, target: serverTarget(server) };
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
