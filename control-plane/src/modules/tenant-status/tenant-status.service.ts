import { ErrorCode, TENANT_TRANSITIONS, errors, publishTenantStatus, withTransaction, type Connection } from '@kg/shared';
import type { AppContext } from '../../context';
import { appendAudit, type AuditActor } from '../audit/audit.service';
import { lockTenant, setTenantStatus, type Tenant, type TenantStatus } from '../tenants/tenant.repository';

/** Reads and row-locks a tenant inside the caller's transaction; 404 when unknown. */
export async function lockExistingTenant(conn: Connection, tenantCode: string): Promise<Tenant> {
  const tenant = await lockTenant(conn, tenantCode);
  if (!tenant) throw errors.notFound(`Tenant ${tenantCode} does not exist`, ErrorCode.TenantNotFound);
  return tenant;
}

/** 409 unless `tenant.status` is one of `allowed` (410 once purged: nothing is left to act on). */
export function assertTransition(tenant: Tenant, action: string, allowed: readonly string[]): void {
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
 * Moves a tenant between `active` and `suspended` (docs/control-plane.md, "Lifecycle API"):
 * checks the transition under a row lock, writes the audit row in the same transaction, then
 * announces the new status so every tenant-app instance refuses (or serves again) at once.
 */
async function changeStatus(
  ctx: AppContext,
  actor: AuditActor,
  tenantCode: string,
  to: 'suspended' | 'active',
  action: 'suspend' | 'activate',
): Promise<StatusChange> {
  const change = await withTransaction(ctx.db, async (conn) => {
    const tenant = await lockExistingTenant(conn, tenantCode);
    tenantCode = tenant.tenantCode; // as stored: the audit row and the announcement name the row itself
    assertTransition(tenant, action, TENANT_TRANSITIONS[to]);
    await setTenantStatus(conn, tenantCode, to);
    await appendAudit(conn, ctx.secrets.auditKey, {
      ...actor,
      action: `tenant.${action}`,
      tenantCode,
      targetType: 'tenant',
      targetId: tenantCode,
      before: { status: tenant.status },
      after: { status: to },
    });
    return { tenantCode, previousStatus: tenant.status, status: to };
  });
  await announce(ctx, tenantCode, to);
  return change;
}

/**
 * Publishes a status change. The change is already committed; a Redis outage must not undo it,
 * so a failed publish is logged (tenant apps also re-read the status when their cache expires).
 */
export async function announce(ctx: AppContext, tenantCode: string, status: TenantStatus): Promise<void> {
  try {
    await publishTenantStatus(ctx.redis, ctx.config.REDIS_KEY_PREFIX, tenantCode, status);
  } catch (err) {
    ctx.logger.warn({ tenant: tenantCode, status, err: (err as Error).message }, 'tenant status publish failed');
  }
}

export function suspendTenant(ctx: AppContext, actor: AuditActor, tenantCode: string): Promise<StatusChange> {
  return changeStatus(ctx, actor, tenantCode, 'suspended', 'suspend');
}

export function activateTenant(ctx: AppContext, actor: AuditActor, tenantCode: string): Promise<StatusChange> {
  return changeStatus(ctx, actor, tenantCode, 'active', 'activate');
}
