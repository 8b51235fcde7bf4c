import {
  ErrorCode,
  TENANT_TRANSITIONS,
  errors,
  publishTenantStatus,
  withTransaction,
  type PoolConnection,
  type RowDataPacket,
} from '@kg/shared';
import type { AppContext } from '../../context';
import { appendAudit, type AuditActor } from '../audit/audit.service';

/** The control-DB row of a tenant as lifecycle actions need it. */
export interface LockedTenant {
  tenantCode: string;
  status: string;
  databaseName: string;
  dbServerId: number | null;
  ossPrefix: string | null;
  dnsRecordId: string | null;
  deletedAt: Date | null;
  scheduledDeletionAt: Date | null;
}

/** Reads and row-locks a tenant inside the caller's transaction; 404 when unknown. */
export async function lockTenant(conn: PoolConnection, code: string): Promise<LockedTenant> {
  const [rows] = await conn.query<RowDataPacket[]>(
    `SELECT tenant_id, status, database_name, db_server_id, oss_prefix, dns_record_id, deleted_at, scheduled_deletion_at
       FROM tenants WHERE tenant_id = ? FOR UPDATE`,
    [code],
  );
  const r = rows[0];
  if (!r) throw errors.notFound(`Tenant ${code} does not exist`, ErrorCode.TenantNotFound);
  return {
    tenantCode: r.tenant_id,
    status: r.status,
    databaseName: r.database_name,
    dbServerId: r.db_server_id === null ? null : Number(r.db_server_id),
    ossPrefix: r.oss_prefix,
    dnsRecordId: r.dns_record_id,
    deletedAt: r.deleted_at,
    scheduledDeletionAt: r.scheduled_deletion_at,
  };
}

/** 409 unless `tenant.status` is one of `allowed` (410 once purged: nothing is left to act on). */
export function assertTransition(tenant: LockedTenant, action: string, allowed: readonly string[]): void {
  if (allowed.includes(tenant.status)) return;
  if (tenant.status === 'purged') throw errors.gone(`Tenant ${tenant.tenantCode} has been purged`, ErrorCode.TenantDeleted);
  throw errors.conflict(
    `Cannot ${action} tenant ${tenant.tenantCode} while it is ${tenant.status}`,
    ErrorCode.TenantConflict,
    { status: tenant.status, allowedFrom: allowed },
  );
}

export interface StatusChange {
  tenantCode: string;
  previousStatus: string;
  status: string;
}

/**
 * Moves a tenant between `active` and `suspended` (SPEC §5): checks the transition under a row
 * lock, writes the audit row in the same transaction, then announces the new status so every
 * tenant-app instance refuses (or serves again) at once.
 */
async function changeStatus(
  ctx: AppContext,
  actor: AuditActor,
  code: string,
  to: 'suspended' | 'active',
  action: 'suspend' | 'activate',
): Promise<StatusChange> {
  const change = await withTransaction(ctx.db, async (conn) => {
    const tenant = await lockTenant(conn, code);
    code = tenant.tenantCode; // as stored: the audit row and the announcement name the row itself
    assertTransition(tenant, action, TENANT_TRANSITIONS[to]);
    await conn.query('UPDATE tenants SET status = ? WHERE tenant_id = ?', [to, code]);
    await appendAudit(conn, ctx.secrets.auditKey, {
      ...actor,
      action: `tenant.${action}`,
      tenantCode: code,
      targetType: 'tenant',
      targetId: code,
      before: { status: tenant.status },
      after: { status: to },
    });
    return { tenantCode: code, previousStatus: tenant.status, status: to };
  });
  await announce(ctx, code, to);
  return change;
}

/**
 * Publishes a status change. The change is already committed; a Redis outage must not undo it,
 * so a failed publish is logged (tenant apps also re-read the status when their cache expires).
 */
export async function announce(ctx: AppContext, code: string, status: string): Promise<void> {
  try {
    await publishTenantStatus(ctx.redis, ctx.config.REDIS_KEY_PREFIX, code, status);
  } catch (err) {
    ctx.logger.warn({ tenant: code, status, err: (err as Error).message }, 'tenant status publish failed');
  }
}

export function suspendTenant(ctx: AppContext, actor: AuditActor, code: string): Promise<StatusChange> {
  return changeStatus(ctx, actor, code, 'suspended', 'suspend');
}

export function activateTenant(ctx: AppContext, actor: AuditActor, code: string): Promise<StatusChange> {
  return changeStatus(ctx, actor, code, 'active', 'activate');
}
