import { connect, duplicateKey, errors, resolveSecret, withTransaction, type Connection } from '@kg/shared';
import type { AppContext } from '../../context';
import { appendAudit, type AuditActor } from '../audit/audit.service';
import { countTenantsByDbServer } from '../tenants/tenant.repository';
import {
  findDbServer,
  insertDbServer,
  listDbServers,
  serverVersion,
  updateDbServer,
  type DbServer,
  type DbServerStatus,
} from './db-server.repository';

/** A database server as the API shows it: the password itself is never stored or returned. */
export type DbServerView = Omit<DbServer, 'createdAt' | 'updatedAt'> & {
  /** Tenants placed on this server that still own a database (not purged). */
  tenantCount: number;
  freeCapacity: number;
  createdAt: string;
  updatedAt: string;
};

function toView(server: DbServer, tenantCount: number): DbServerView {
  const { createdAt, updatedAt, ...fields } = server;
  return {
    ...fields,
    tenantCount,
    freeCapacity: Math.max(0, server.capacity - tenantCount),
    createdAt: createdAt.toISOString(),
    updatedAt: updatedAt.toISOString(),
  };
}

/** Every registered server with its load, by id. */
export async function listDbServerViews(ctx: AppContext): Promise<DbServerView[]> {
  const [servers, counts] = await Promise.all([listDbServers(ctx.db), countTenantsByDbServer(ctx.db)]);
  return servers.map((s) => toView(s, counts.get(s.id) ?? 0));
}

async function viewOf(db: Connection, id: number): Promise<DbServerView> {
  const server = (await findDbServer(db, id))!;
  return toView(server, (await countTenantsByDbServer(db)).get(id) ?? 0);
}

/** What the audit log keeps of a server: its settings, not its load or timestamps. */
const auditView = ({ id: _id, tenantCount: _t, freeCapacity: _f, createdAt: _c, updatedAt: _u, ...settings }: DbServerView) =>
  settings;

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
      return await serverVersion(conn);
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
  const version = await checkConnection(input);
  try {
    const created = await withTransaction(ctx.db, async (conn) => {
      const id = await insertDbServer(conn, input);
      const view = await viewOf(conn, id);
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
    return { ...created, serverVersion: version };
  } catch (err) {
    const key = duplicateKey(err);
    if (key) {
      const byName = key === 'uk_database_servers_name';
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
    if (!(await findDbServer(conn, id, true))) throw errors.notFound(`Database server ${id} does not exist`);
    const before = await viewOf(conn, id);
    await updateDbServer(conn, id, changes);
    const after = await viewOf(conn, id);
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
