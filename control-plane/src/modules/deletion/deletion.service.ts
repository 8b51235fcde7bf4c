import { ErrorCode, TENANT_TRANSITIONS, errors, withTransaction, type DnsRecord } from '@kg/shared';
import type { AppContext } from '../../context';
import { appendAudit, type AuditActor } from '../audit/audit.service';
import { announce, assertTransition, lockExistingTenant } from '../tenant-status/tenant-status.service';
import { markTenantDeleted, markTenantRestored, type Tenant } from '../tenants/tenant.repository';
import {
  cancelCleanupRows,
  cleanupLog,
  databaseClock,
  insertCleanupRow,
  lastRemovedDnsRecord,
  lockOpenCleanupIds,
  purgeHasBegun,
} from './cleanup.repository';
import { tenantProviders } from './providers';

export interface DeletionResult {
  tenantCode: string;
  status: 'deleted';
  deletedAt: string;
  scheduledDeletionAt: string;
  graceDays: number;
  dnsRecordRemoved: boolean;
  cleanup: Array<{ id: number; resourceType: string; resourceName: string | null }>;
}

/** Host part and zone of a tenant's subdomain: k001 + BASE_DOMAIN. */
function subdomainOf(ctx: AppContext, tenantCode: string): { rr: string; domain: string; fqdn: string } {
  return { rr: tenantCode, domain: ctx.config.BASE_DOMAIN, fqdn: `${tenantCode}.${ctx.config.BASE_DOMAIN}` };
}

/** Removes the tenant's DNS record (by id, and by name in case the id is stale); returns what was there. */
async function removeDnsRecord(ctx: AppContext, tenant: Tenant): Promise<DnsRecord | null> {
  const { dns } = tenantProviders(ctx);
  const sub = subdomainOf(ctx, tenant.tenantCode);
  const found = await dns.findRecord(sub.rr, sub.domain);
  if (tenant.dnsRecordId && tenant.dnsRecordId !== found?.recordId) await dns.deleteRecord(tenant.dnsRecordId);
  if (found) await dns.deleteRecord(found.recordId);
  return found;
}

/**
 * Soft-deletes a tenant (docs/control-plane.md, "Deletion and restore"): the DNS record goes at
 * once, the tenant becomes
 * `deleted` with a purge date TENANT_PURGE_GRACE_DAYS ahead, and one cleanup row per resource
 * (database, storage prefix, subdomain) is scheduled for that date. Nothing is dropped now, so
 * a restore within the grace period brings everything back.
 */
export async function deleteTenant(ctx: AppContext, actor: AuditActor, tenantCode: string): Promise<DeletionResult> {
  const graceDays = ctx.config.TENANT_PURGE_GRACE_DAYS;
  const result = await withTransaction(ctx.db, async (conn) => {
    const tenant = await lockExistingTenant(conn, tenantCode);
    tenantCode = tenant.tenantCode; // as stored: the audit row and the announcement name the row itself
    if (tenant.status === 'deleted') {
      throw errors.conflict(`Tenant ${tenantCode} is already deleted`, ErrorCode.TenantConflict, {
        scheduledDeletionAt: tenant.scheduledDeletionAt,
      });
    }
    assertTransition(tenant, 'delete', TENANT_TRANSITIONS.deleted);
    const { now: deletedAt, due } = await databaseClock(conn, graceDays);

    // The record is removed before the status commits: if the provider fails, nothing changes.
    const removed = await removeDnsRecord(ctx, tenant);

    await markTenantDeleted(conn, tenantCode, { deletedAt, scheduledDeletionAt: due });
    const sub = subdomainOf(ctx, tenantCode);
    const cleanup: DeletionResult['cleanup'] = [];
    const dbId = await insertCleanupRow(conn, {
      tenantCode,
      type: 'database',
      name: tenant.databaseName,
      dbServerId: tenant.dbServerId,
      scheduledDeletionAt: due,
    });
    cleanup.push({ id: dbId, resourceType: 'database', resourceName: tenant.databaseName });
    if (tenant.storagePrefix) {
      const oss = ctx.config.STORAGE_PROVIDER === 'oss';
      const id = await insertCleanupRow(conn, {
        tenantCode,
        type: 'oss',
        name: tenant.storagePrefix,
        ossPath: tenant.storagePrefix,
        ossBucket: oss ? (ctx.config.OSS_BUCKET ?? null) : 'local',
        ossRegion: oss ? ctx.config.OSS_REGION : null,
        scheduledDeletionAt: due,
      });
      cleanup.push({ id, resourceType: 'oss', resourceName: tenant.storagePrefix });
    }
    const subId = await insertCleanupRow(conn, { tenantCode, type: 'subdomain', name: sub.fqdn, scheduledDeletionAt: due });
    cleanup.push({ id: subId, resourceType: 'subdomain', resourceName: sub.fqdn });

    // The removed record is kept in the log so a restore recreates exactly the same one.
    await cleanupLog(conn, {
      cleanupId: subId,
      tenantCode,
      action: 'dns_removed',
      status: 'completed',
      message: removed ? `DNS record ${sub.fqdn} removed` : `no DNS record for ${sub.fqdn}`,
      details: removed ? { type: removed.type, value: removed.value, ttl: removed.ttl, recordId: removed.recordId } : null,
    });
    for (const c of cleanup) {
      await cleanupLog(conn, {
        cleanupId: c.id,
        tenantCode,
        action: 'scheduled',
        status: 'started',
        message: `${c.resourceType} ${c.resourceName ?? ''} scheduled for deletion at ${due.toISOString()}`,
      });
    }
    await appendAudit(conn, ctx.secrets.auditKey, {
      ...actor,
      action: 'tenant.delete',
      tenantCode,
      targetType: 'tenant',
      targetId: tenantCode,
      before: { status: tenant.status, dnsRecordId: tenant.dnsRecordId },
      after: { status: 'deleted', scheduledDeletionAt: due.toISOString(), cleanupIds: cleanup.map((c) => c.id) },
    });
    return {
      tenantCode,
      status: 'deleted' as const,
      deletedAt: deletedAt.toISOString(),
      scheduledDeletionAt: due.toISOString(),
      graceDays,
      dnsRecordRemoved: removed !== null,
      cleanup,
    };
  });
  await announce(ctx, tenantCode, 'deleted');
  return result;
}

export interface RestoreResult {
  tenantCode: string;
  status: 'active';
  dnsRecordId: string;
  cancelledCleanupIds: number[];
}

/**
 * Restores a deleted tenant within its grace period (docs/control-plane.md, "Deletion and
 * restore"): cancels its pending cleanup, recreates its DNS record and makes it `active` with
 * every row and file it had. Refused with 410 once the grace period is over or the purge has
 * begun, 409 when the tenant is not deleted.
 */
export async function restoreTenant(ctx: AppContext, actor: AuditActor, tenantCode: string): Promise<RestoreResult> {
  const result = await withTransaction(ctx.db, async (conn) => {
    const tenant = await lockExistingTenant(conn, tenantCode);
    tenantCode = tenant.tenantCode; // as stored: the audit row and the announcement name the row itself
    assertTransition(tenant, 'restore', TENANT_TRANSITIONS.restored);
    const { now } = await databaseClock(conn);
    if (tenant.scheduledDeletionAt && tenant.scheduledDeletionAt.getTime() <= now.getTime()) {
      throw errors.gone(
        `The grace period of tenant ${tenantCode} ended at ${tenant.scheduledDeletionAt.toISOString()}; it can no longer be restored`,
        ErrorCode.TenantDeleted,
      );
    }
    if (await purgeHasBegun(conn, tenantCode, tenant.deletedAt ?? new Date(0))) {
      throw errors.gone(`The purge of tenant ${tenantCode} has begun; it can no longer be restored`, ErrorCode.TenantDeleted);
    }
    const cancelled = await lockOpenCleanupIds(conn, tenantCode);
    await cancelCleanupRows(conn, tenantCode, cancelled, 'tenant restored', {
      action: 'restore',
      status: 'cancelled',
      message: 'tenant restored',
    });
    const previous = await lastRemovedDnsRecord(conn, tenantCode);
    const sub = subdomainOf(ctx, tenantCode);
    const { dns, defaultRecord } = tenantProviders(ctx);
    const record = await dns.ensureRecord({ rr: sub.rr, domain: sub.domain, ...(previous ?? defaultRecord) });
    await markTenantRestored(conn, tenantCode, record.recordId);
    await appendAudit(conn, ctx.secrets.auditKey, {
      ...actor,
      action: 'tenant.restore',
      tenantCode,
      targetType: 'tenant',
      targetId: tenantCode,
      before: { status: tenant.status, scheduledDeletionAt: tenant.scheduledDeletionAt?.toISOString() ?? null },
      after: { status: 'active', dnsRecordId: record.recordId, cancelledCleanupIds: cancelled },
    });
    return { tenantCode, status: 'active' as const, dnsRecordId: record.recordId, cancelledCleanupIds: cancelled };
  });
  await announce(ctx, tenantCode, 'active');
  return result;
}
