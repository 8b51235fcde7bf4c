import {
  ErrorCode,
  TENANT_TRANSITIONS,
  cancelCleanupRows,
  cleanupLog,
  errors,
  withTransaction,
  type DnsRecord,
  type PoolConnection,
  type RowDataPacket,
} from '@kg/shared';
import type { AppContext } from '../../context';
import { appendAudit, type AuditActor } from '../audit/audit.service';
import { announce, assertTransition, lockTenant, type LockedTenant } from '../tenant-status/tenant-status.service';
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
function subdomainOf(ctx: AppContext, code: string): { rr: string; domain: string; fqdn: string } {
  return { rr: code, domain: ctx.config.BASE_DOMAIN, fqdn: `${code}.${ctx.config.BASE_DOMAIN}` };
}

/** Removes the tenant's DNS record (by id, and by name in case the id is stale); returns what was there. */
async function removeDnsRecord(ctx: AppContext, tenant: LockedTenant): Promise<DnsRecord | null> {
  const { dns } = tenantProviders(ctx);
  const sub = subdomainOf(ctx, tenant.tenantCode);
  const found = await dns.findRecord(sub.rr, sub.domain);
  if (tenant.dnsRecordId && tenant.dnsRecordId !== found?.recordId) await dns.deleteRecord(tenant.dnsRecordId);
  if (found) await dns.deleteRecord(found.recordId);
  return found;
}

async function insertCleanupRow(
  conn: PoolConnection,
  row: {
    tenantCode: string;
    type: 'database' | 'oss' | 'subdomain';
    name: string | null;
    dbServerId?: number | null;
    ossPath?: string | null;
    ossBucket?: string | null;
    ossRegion?: string | null;
    dueSql: Date;
  },
): Promise<number> {
  const [res] = await conn.query<import('@kg/shared').ResultSetHeader>(
    `INSERT INTO tenant_resource_cleanup
       (tenant_code, resource_type, resource_name, db_server_id, oss_bucket, oss_region, oss_path, scheduled_deletion_at, status)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending')`,
    [
      row.tenantCode,
      row.type,
      row.name,
      row.dbServerId ?? null,
      row.ossBucket ?? null,
      row.ossRegion ?? null,
      row.ossPath ?? null,
      row.dueSql,
    ],
  );
  return res.insertId;
}

/**
 * Soft-deletes a tenant (SPEC §5, seed 004 §5.4): the DNS record goes at once, the tenant becomes
 * `deleted` with a purge date TENANT_PURGE_GRACE_DAYS ahead, and one cleanup row per resource
 * (database, storage prefix, subdomain) is scheduled for that date. Nothing is dropped now, so
 * a restore within the grace period brings everything back.
 */
export async function deleteTenant(ctx: AppContext, actor: AuditActor, code: string): Promise<DeletionResult> {
  const graceDays = ctx.config.TENANT_PURGE_GRACE_DAYS;
  const result = await withTransaction(ctx.db, async (conn) => {
    const tenant = await lockTenant(conn, code);
    code = tenant.tenantCode; // as stored: the audit row and the announcement name the row itself
    if (tenant.status === 'deleted') {
      throw errors.conflict(`Tenant ${code} is already deleted`, ErrorCode.TenantConflict, {
        scheduledDeletionAt: tenant.scheduledDeletionAt,
      });
    }
    assertTransition(tenant, 'delete', TENANT_TRANSITIONS.deleted);
    const [[now]] = await conn.query<RowDataPacket[]>(
      'SELECT NOW(3) AS now, NOW(3) + INTERVAL ? DAY AS due',
      [graceDays],
    );
    const deletedAt = now!.now as Date;
    const due = now!.due as Date;

    // The record is removed before the status commits: if the provider fails, nothing changes.
    const removed = await removeDnsRecord(ctx, tenant);

    await conn.query(
      `UPDATE tenants SET status = 'deleted', deleted_at = ?, scheduled_deletion_at = ?, dns_record_id = NULL
        WHERE tenant_id = ?`,
      [deletedAt, due, code],
    );
    const sub = subdomainOf(ctx, code);
    const cleanup: DeletionResult['cleanup'] = [];
    const dbId = await insertCleanupRow(conn, {
      tenantCode: code,
      type: 'database',
      name: tenant.databaseName,
      dbServerId: tenant.dbServerId,
      dueSql: due,
    });
    cleanup.push({ id: dbId, resourceType: 'database', resourceName: tenant.databaseName });
    if (tenant.ossPrefix) {
      const oss = ctx.config.STORAGE_PROVIDER === 'oss';
      const id = await insertCleanupRow(conn, {
        tenantCode: code,
        type: 'oss',
        name: tenant.ossPrefix,
        ossPath: tenant.ossPrefix,
        ossBucket: oss ? (ctx.config.OSS_BUCKET ?? null) : 'local',
        ossRegion: oss ? ctx.config.OSS_REGION : null,
        dueSql: due,
      });
      cleanup.push({ id, resourceType: 'oss', resourceName: tenant.ossPrefix });
    }
    const subId = await insertCleanupRow(conn, { tenantCode: code, type: 'subdomain', name: sub.fqdn, dueSql: due });
    cleanup.push({ id: subId, resourceType: 'subdomain', resourceName: sub.fqdn });

    // The removed record is kept in the log so a restore recreates exactly the same one.
    await cleanupLog(conn, {
      cleanupId: subId,
      tenantCode: code,
      action: 'dns_removed',
      status: 'completed',
      message: removed ? `DNS record ${sub.fqdn} removed` : `no DNS record for ${sub.fqdn}`,
      details: removed ? { type: removed.type, value: removed.value, ttl: removed.ttl, recordId: removed.recordId } : null,
    });
    for (const c of cleanup) {
      await cleanupLog(conn, {
        cleanupId: c.id,
        tenantCode: code,
        action: 'scheduled',
        status: 'started',
        message: `${c.resourceType} ${c.resourceName ?? ''} scheduled for deletion at ${due.toISOString()}`,
      });
    }
    await appendAudit(conn, ctx.secrets.auditKey, {
      ...actor,
      action: 'tenant.delete',
      tenantCode: code,
      targetType: 'tenant',
      targetId: code,
      before: { status: tenant.status, dnsRecordId: tenant.dnsRecordId },
      after: { status: 'deleted', scheduledDeletionAt: due.toISOString(), cleanupIds: cleanup.map((c) => c.id) },
    });
    return {
      tenantCode: code,
      status: 'deleted' as const,
      deletedAt: deletedAt.toISOString(),
      scheduledDeletionAt: due.toISOString(),
      graceDays,
      dnsRecordRemoved: removed !== null,
      cleanup,
    };
  });
  await announce(ctx, code, 'deleted');
  return result;
}

export interface RestoreResult {
  tenantCode: string;
  status: 'active';
  dnsRecordId: string;
  cancelledCleanupIds: number[];
}

/** The record removed at deletion (from the cleanup log), to recreate the same one. */
async function removedRecord(conn: PoolConnection, code: string): Promise<{ type: 'A' | 'CNAME'; value: string; ttl: number } | null> {
  const [rows] = await conn.query<RowDataPacket[]>(
    `SELECT details FROM tenant_cleanup_logs
      WHERE tenant_code = ? AND action = 'dns_removed' AND details IS NOT NULL ORDER BY id DESC LIMIT 1`,
    [code],
  );
  if (!rows.length) return null;
  const d = typeof rows[0]!.details === 'string' ? JSON.parse(rows[0]!.details) : rows[0]!.details;
  return d && d.type && d.value ? { type: d.type, value: String(d.value), ttl: Number(d.ttl ?? 600) } : null;
}

/**
 * Restores a deleted tenant within its grace period (SPEC §5): cancels its pending cleanup,
 * recreates its DNS record and makes it `active` with every row and file it had. Refused with
 * 410 once the grace period is over or the purge has begun, 409 when the tenant is not deleted.
 */
export async function restoreTenant(ctx: AppContext, actor: AuditActor, code: string): Promise<RestoreResult> {
  const result = await withTransaction(ctx.db, async (conn) => {
    const tenant = await lockTenant(conn, code);
    code = tenant.tenantCode; // as stored: the audit row and the announcement name the row itself
    assertTransition(tenant, 'restore', TENANT_TRANSITIONS.restored);
    const [[clock]] = await conn.query<RowDataPacket[]>('SELECT NOW(3) AS now');
    if (tenant.scheduledDeletionAt && tenant.scheduledDeletionAt.getTime() <= (clock!.now as Date).getTime()) {
      throw errors.gone(
        `The grace period of tenant ${code} ended at ${tenant.scheduledDeletionAt.toISOString()}; it can no longer be restored`,
        ErrorCode.TenantDeleted,
      );
    }
    const [started] = await conn.query<RowDataPacket[]>(
      `SELECT id, resource_type, status FROM tenant_resource_cleanup
        WHERE tenant_code = ? AND created_at >= ?
          AND (status IN ('in_progress','completed')
               -- an attempt on storage may have removed part of the files already
               OR (resource_type = 'oss' AND deletion_started_at IS NOT NULL))`,
      [code, tenant.deletedAt ?? new Date(0)],
    );
    if (started.length) {
      throw errors.gone(`The purge of tenant ${code} has begun; it can no longer be restored`, ErrorCode.TenantDeleted);
    }
    const [pending] = await conn.query<RowDataPacket[]>(
      "SELECT id FROM tenant_resource_cleanup WHERE tenant_code = ? AND status IN ('pending','failed') FOR UPDATE",
      [code],
    );
    const cancelled = pending.map((r) => Number(r.id));
    await cancelCleanupRows(conn, code, cancelled, 'tenant restored', {
      action: 'restore',
      status: 'cancelled',
      message: 'tenant restored',
    });
    const previous = await removedRecord(conn, code);
    const sub = subdomainOf(ctx, code);
    const { dns, defaultRecord } = tenantProviders(ctx);
    const record = await dns.ensureRecord({ rr: sub.rr, domain: sub.domain, ...(previous ?? defaultRecord) });
    await conn.query(
      `UPDATE tenants SET status = 'active', deleted_at = NULL, scheduled_deletion_at = NULL, dns_record_id = ?
        WHERE tenant_id = ?`,
      [record.recordId, code],
    );
    await appendAudit(conn, ctx.secrets.auditKey, {
      ...actor,
      action: 'tenant.restore',
      tenantCode: code,
      targetType: 'tenant',
      targetId: code,
      before: { status: tenant.status, scheduledDeletionAt: tenant.scheduledDeletionAt?.toISOString() ?? null },
      after: { status: 'active', dnsRecordId: record.recordId, cancelledCleanupIds: cancelled },
    });
    return { tenantCode: code, status: 'active' as const, dnsRecordId: record.recordId, cancelledCleanupIds: cancelled };
  });
  await announce(ctx, code, 'active');
  return result;
}
