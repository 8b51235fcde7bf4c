import { connect, errors, resolveSecret, withTransaction, type RowDataPacket } from '@kg/shared';
import type { AppContext } from '../../context';
import { appendAudit, type AuditActor } from '../audit/audit.service';
import { findDbServer, insertDbServer, updateDbServer, type DbServerStatus, type DbServerView } from './db-server.repository';

const auditView = (s: DbServerView) => ({
  name: s.name,
  host: s.host,
  port: s.port,
  username: s.username,
  secretRef: s.secretRef,
  capacity: s.capacity,
  status: s.status,
});

export interface CreateDbServerInput {
  name: string;
  host: string;
  port: number;
  username: string;
  secretRef: string | null;
  capacity: number;
}

/**
 * Connects once with the given settings so a typo is caught at registration, not at the next
 * provisioning. Answers 400 DB_SERVER_UNREACHABLE with the server's own reason otherwise.
 */
async function checkConnection(input: CreateDbServerInput): Promise<string> {
  const password = resolveSecret(input.secretRef);
  try {
    const conn = await connect({ host: input.host, port: input.port, user: input.username, password }, undefined, {
      connectTimeout: 4000,
    });
    try {
      const [rows] = await conn.query<RowDataPacket[]>('SELECT VERSION() AS v');
      return String(rows[0]!.v);
    } finally {
      await conn.end().catch(() => undefined);
    }
  } catch (err) {
    const e = err as { code?: string; message?: string };
    throw errors.badRequest(
      `Cannot connect to MySQL at ${input.host}:${input.port} as ${input.username}: ${e.message ?? e.code ?? 'unknown error'}`,
      'DB_SERVER_UNREACHABLE',
      { host: input.host, port: input.port, reason: e.code ?? null },
    );
  }
}

/** Registers a database server after checking it accepts a connection; 409 for a taken name or endpoint. */
export async function createDbServer(
  ctx: AppContext,
  actor: AuditActor,
  input: CreateDbServerInput,
): Promise<DbServerView & { serverVersion: string }> {
  const serverVersion = await checkConnection(input);
  try {
    const created = await withTransaction(ctx.db, async (conn) => {
      const id = await insertDbServer(conn, input);
      const view = (await findDbServer(conn, id))!;
      await appendAudit(conn, ctx.secrets.auditKey, {
        ...actor,
        action: 'db_server.create',
        targetType: 'database_server',
        targetId: id,
        before: null,
        after: auditView(view),
      });
      return view;
    });
    return { ...created, serverVersion };
  } catch (err) {
    if ((err as { code?: string }).code === 'ER_DUP_ENTRY') {
      const byName = String((err as Error).message).includes('uk_database_servers_name');
      throw errors.conflict(
        byName ? `A database server named ${input.name} exists` : `${input.host}:${input.port} is already registered`,
        undefined,
        [{ field: byName ? 'name' : 'host', message: 'is already registered' }],
      );
    }
    throw err;
  }
}

/** Changes a server's capacity or status (draining/disabled servers get no new tenants). */
export async function updateDbServerById(
  ctx: AppContext,
  actor: AuditActor,
  id: number,
  changes: { capacity?: number; status?: DbServerStatus },
): Promise<DbServerView> {
  return withTransaction(ctx.db, async (conn) => {
    const before = await findDbServer(conn, id, true);
    if (!before) throw errors.notFound(`Database server ${id} does not exist`);
    await updateDbServer(conn, id, changes);
    const after = (await findDbServer(conn, id))!;
    await appendAudit(conn, ctx.secrets.auditKey, {
      ...actor,
      action: 'db_server.update',
      targetType: 'database_server',
      targetId: id,
      before: auditView(before),
      after: auditView(after),
    });
    return after;
  });
}
