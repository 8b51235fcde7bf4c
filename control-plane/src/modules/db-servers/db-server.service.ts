import { setTimeout as sleep } from 'node:timers/promises';
import { connect, duplicateKey, errors, isAllowedSecretRef, resolveSecret, withTransaction, type Connection } from '@kg/shared';
import type { AppContext } from '../../context';
import { assertOperatorTarget } from '../../internal/outbound';
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

/** The explicit list of secret references a server may use (DB_SERVER_SECRET_REFS). */
function allowedSecretRefs(ctx: AppContext): string[] {
  return ctx.config.DB_SERVER_SECRET_REFS.split(',')
    .map((r) => r.trim())
    .filter(Boolean);
}

/**
 * Checks the settings before anything is stored (docs/privileges.md, Outbound targets): the
 * secret reference is on the explicit list, the host passes the outbound rule, and one
 * connection succeeds, so a typo is caught at registration, not at the next provisioning. A
 * failed connection is answered with one generic 400 DB_SERVER_UNREACHABLE, and only once
 * DB_SERVER_CONNECT_TIMEOUT_MS has passed, whatever the reason: neither the answer nor its timing
 * tells a closed port from a filtered one or a MySQL server from another service. The reason is
 * logged for the operator.
 */
async function checkConnection(ctx: AppContext, input: CreateDbServerInput): Promise<string> {
  if (input.secretRef !== null && !isAllowedSecretRef(input.secretRef, allowedSecretRefs(ctx))) {
    throw errors.validation([{ field: 'secretRef', message: 'is not one of the references listed in DB_SERVER_SECRET_REFS' }]);
  }
  await assertOperatorTarget(ctx, input.host, 'host');
  const password = resolveSecret(input.secretRef);
  const timeoutMs = ctx.config.DB_SERVER_CONNECT_TIMEOUT_MS;
  const started = Date.now();
  try {
    const conn = await connect({ host: input.host, port: input.port, user: input.username, password }, undefined, {
      connectTimeout: timeoutMs,
    });
    try {
      return await serverVersion(conn);
    } finally {
      await conn.end().catch(() => undefined);
    }
  } catch (err) {
    const e = err as { code?: string; message?: string };
    ctx.logger.warn({ host: input.host, port: input.port, reason: e.code ?? e.message }, 'database server registration: connection failed');
    await sleep(Math.max(0, started + timeoutMs - Date.now()));
    throw errors.badRequest('Could not connect to a MySQL server with these settings', 'DB_SERVER_UNREACHABLE');
  }
}

/** Registers a database server after checking it accepts a connection; 409 for a taken name or endpoint. */
export async function createDbServer(
  ctx: AppContext,
  actor: AuditActor,
  input: CreateDbServerInput,
): Promise<DbServerView & { serverVersion: string }> {
  const version = await checkConnection(ctx, input);
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
