import { CLEANUP_JOBS, ErrorCode, QUEUES, errors, withTransaction, type Page, type PurgeRunJob } from '@kg/shared';
import type { AppContext } from '../../context';
import { enqueue } from '../../internal/enqueue';
import { appendAudit, type AuditActor } from '../audit/audit.service';
import { findTenantsByCode } from '../tenants/tenant.repository';
import { cancelCleanupRows, listCleanup, lockCleanup, type CleanupEntry, type CleanupFilter } from './cleanup.repository';

/** A cleanup entry as the console shows it: with its tenant's name and status when known. */
export interface CleanupEntryView extends CleanupEntry {
  tenantName: string | null;
  tenantStatus: string | null;
}

function withTenant(entry: CleanupEntry, tenant: { name: string; status: string } | undefined): CleanupEntryView {
  const { id, tenantCode, ...rest } = entry;
  return { id, tenantCode, tenantName: tenant?.name ?? null, tenantStatus: tenant?.status ?? null, ...rest };
}

/** The cleanup queue (GET /api/cleanup): soonest due first, with days left and the tenant's name. */
export async function listCleanupEntries(ctx: AppContext, filter: CleanupFilter): Promise<Page<CleanupEntryView>> {
  const page = await listCleanup(ctx.db, filter);
  const tenants = await findTenantsByCode(ctx.db, [...new Set(page.items.map((e) => e.tenantCode))]);
  return { ...page, items: page.items.map((e) => withTenant(e, tenants.get(e.tenantCode))) };
}

/**
 * Cancels one pending cleanup entry (DELETE /api/cleanup/:id): the resource is kept. Entries
 * already being purged, done, failed or cancelled cannot be cancelled (409).
 */
export async function cancelCleanup(ctx: AppContext, actor: AuditActor, id: number): Promise<CleanupEntryView> {
  return withTransaction(ctx.db, async (conn) => {
    const entry = await lockCleanup(conn, id);
    if (!entry) throw errors.notFound(`Cleanup entry ${id} does not exist`);
    if (entry.status !== 'pending') {
      throw errors.conflict(`Cleanup entry ${id} is ${entry.status}; only pending entries can be cancelled`, ErrorCode.Conflict, {
        status: entry.status,
      });
    }
    await cancelCleanupRows(conn, entry.tenantCode, [id], 'cancelled by an operator', {
      action: 'cancel',
      status: 'cancelled',
      message: `cancelled by ${actor.actorName ?? actor.actorId ?? 'an operator'}`,
    });
    await appendAudit(conn, ctx.secrets.auditKey, {
      ...actor,
      action: 'cleanup.cancel',
      tenantCode: entry.tenantCode,
      targetType: 'tenant_resource_cleanup',
      targetId: id,
      before: { status: entry.status, resourceType: entry.resourceType, resourceName: entry.resourceName },
      after: { status: 'cancelled' },
    });
    // The answer has always carried no tenant name or status (the row is read without them).
    return withTenant({ ...entry, status: 'cancelled' as const }, undefined);
  });
}

/**
 * Asks the provisioner to run the purge now (POST /api/cleanup/run) instead of waiting for
 * CLEANUP_CRON. Only due rows are purged: the job re-checks every date and status itself.
 */
export async function triggerPurgeRun(ctx: AppContext, actor: AuditActor): Promise<{ jobId: string }> {
  const trigger = `manual:${actor.actorName ?? actor.actorId ?? 'unknown'}`;
  const jobId = await enqueue<PurgeRunJob>(ctx, QUEUES.cleanup, CLEANUP_JOBS.purgeRun, { trigger }, {
    jobId: `purge-run-manual-${Date.now()}`,
    removeOnComplete: { age: 7 * 86_400 },
    removeOnFail: { age: 30 * 86_400 },
  });
  await withTransaction(ctx.db, (conn) =>
    appendAudit(conn, ctx.secrets.auditKey, {
      ...actor,
      action: 'cleanup.run',
      targetType: 'queue',
      targetId: jobId,
      after: { queue: QUEUES.cleanup, job: CLEANUP_JOBS.purgeRun },
    }),
  );
  return { jobId };
}
