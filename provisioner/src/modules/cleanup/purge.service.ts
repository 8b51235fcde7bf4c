import { connect, databaseExists, deletePrefix, dropDatabase, publishTenantStatus, withTransaction } from '@kg/shared';
import type { ProvisionerContext } from '../../context';
import { dropTenantDbAccount } from '../db-users/tenant-db-user.service';
import { tenantDatabaseTarget } from '../servers/server-target';
import { lockTenant, markTenantPurged } from '../tenants/tenant.repository';
import { backupDatabase } from './backup';
import {
  cancelCleanupRows,
  cleanupLog,
  countTenantCleanup,
  databaseNow,
  findCleanup,
  markCleanupCompleted,
  markCleanupInProgress,
  recordCleanupFailure,
  type CleanupRow,
} from './cleanup.repository';
import { workerProviders } from './providers';
import { securityEvent } from './security-event.repository';

export type PurgeOutcome =
  | { outcome: 'completed'; details: Record<string, unknown>; tenantPurged: boolean }
  | { outcome: 'skipped'; reason: string }
  | { outcome: 'retry'; retryCount: number; error: string }
  | { outcome: 'failed'; retryCount: number; error: string };

/**
 * Claims a cleanup row for purging, re-checking everything under the tenant's row lock (the
 * same lock a restore takes): the row must still be pending (or left in_progress by a dead
 * worker), the tenant still `deleted`, and both purge dates passed. A restored tenant's rows are
 * cancelled here if a restore raced the run that enqueued them.
 */
async function claim(ctx: ProvisionerContext, id: number): Promise<{ row: CleanupRow } | { skip: string }> {
  const peek = await findCleanup(ctx.db, id);
  if (!peek) return { skip: 'cleanup row does not exist' };
  return withTransaction(ctx.db, async (conn) => {
    const tenant = await lockTenant(conn, peek.tenantCode);
    const row = await findCleanup(conn, id, true);
    if (!row) return { skip: 'cleanup row does not exist' };
    if (row.status !== 'pending' && row.status !== 'in_progress') return { skip: `row is ${row.status}` };
    if (!tenant || tenant.status !== 'deleted') {
      await cancelCleanupRows(conn, row.tenantCode, [id], `tenant is ${tenant?.status ?? 'missing'}, not deleted`, {
        action: `purge_${row.resourceType}`,
        status: 'skipped',
        message: `tenant is ${tenant?.status ?? 'missing'}; nothing purged`,
      });
      return { skip: `tenant is ${tenant?.status ?? 'missing'}` };
    }
    const now = (await databaseNow(conn)).getTime();
    const due = Math.max(row.scheduledDeletionAt.getTime(), tenant.scheduledDeletionAt?.getTime() ?? Infinity);
    if (due > now) {
      await cleanupLog(conn, {
        cleanupId: id,
        tenantCode: row.tenantCode,
        action: `purge_${row.resourceType}`,
        status: 'skipped',
        message: `not due until ${new Date(due).toISOString()}`,
      });
      return { skip: 'not due yet' };
    }
    await markCleanupInProgress(conn, id);
    await cleanupLog(conn, {
      cleanupId: id,
      tenantCode: row.tenantCode,
      action: `purge_${row.resourceType}`,
      status: 'started',
      message: `attempt ${row.retryCount + 1}`,
    });
    return { row: { ...row, status: 'in_progress' as const } };
  });
}

/**
 * Final backup, then DROP DATABASE, then the database's own MySQL account and role (docs/privileges.md).
 * An absent database (dropped by an earlier attempt) is done once its account is gone too.
 */
async function purgeDatabase(ctx: ProvisionerContext, row: CleanupRow): Promise<Record<string, unknown>> {
  const databaseName = row.resourceName;
  if (!databaseName) throw new Error('cleanup row names no database');
  const target = await tenantDatabaseTarget(ctx, row.dbServerId);
  const conn = await connect(target);
  try {
    if (!(await databaseExists(conn, databaseName))) {
      const dbUser = await dropTenantDbAccount(ctx, { tenantCode: row.tenantCode, databaseName }, target);
      return { database: databaseName, alreadyAbsent: true, dbUserDropped: dbUser };
    }
    const backup = await backupDatabase(ctx.db, target, databaseName, {
      dir: ctx.config.BACKUP_DIR,
      mysqldump: ctx.config.BACKUP_MYSQLDUMP,
      tenantCode: row.tenantCode,
      dbServerId: row.dbServerId,
      backupType: 'pre_purge',
    });
    await dropDatabase(conn, databaseName);
    const dbUser = await dropTenantDbAccount(ctx, { tenantCode: row.tenantCode, databaseName }, target);
    return {
      database: databaseName,
      dbUserDropped: dbUser,
      backupId: backup.id,
      backupFile: backup.filePath,
      backupSize: backup.size,
      sha256: backup.sha256,
      tool: backup.tool,
    };
  } finally {
    await conn.end().catch(() => undefined);
  }
}

/** Empties the storage prefix page by page. */
async function purgeStorage(ctx: ProvisionerContext, row: CleanupRow): Promise<Record<string, unknown>> {
  const prefix = row.ossPath ?? row.resourceName;
  if (!prefix) throw new Error('cleanup row names no storage prefix');
  const { storage } = workerProviders(ctx);
  const result = await deletePrefix(storage, prefix, { pageSize: ctx.config.CLEANUP_PAGE_SIZE });
  return { prefix, ...result };
}

/** Makes sure the subdomain's DNS record is gone (it was removed at deletion; this is the check). */
async function purgeSubdomain(ctx: ProvisionerContext, row: CleanupRow): Promise<Record<string, unknown>> {
  const fqdn = row.resourceName ?? `${row.tenantCode}.${ctx.config.BASE_DOMAIN}`;
  const dot = fqdn.indexOf('.');
  const rr = dot > 0 ? fqdn.slice(0, dot) : row.tenantCode;
  const domain = dot > 0 ? fqdn.slice(dot + 1) : ctx.config.BASE_DOMAIN;
  const { dns } = workerProviders(ctx);
  const record = await dns.findRecord(rr, domain);
  if (record) await dns.deleteRecord(record.recordId);
  return { subdomain: fqdn, recordRemoved: record !== null };
}

const PURGERS: Record<CleanupRow['resourceType'], (ctx: ProvisionerContext, row: CleanupRow) => Promise<Record<string, unknown>>> = {
  database: purgeDatabase,
  oss: purgeStorage,
  subdomain: purgeSubdomain,
  other: async () => ({ note: 'nothing to do for resource type other' }),
};

/**
 * Marks the tenant `purged` once none of its cleanup rows is pending, in progress or failed
 * (cancelled rows are resources an operator chose to keep). The tenant row itself stays.
 */
async function completeTenantIfDone(ctx: ProvisionerContext, tenantCode: string): Promise<boolean> {
  const purged = await withTransaction(ctx.db, async (conn) => {
    const tenant = await lockTenant(conn, tenantCode);
    if (!tenant || tenant.status !== 'deleted') return false;
    const counts = await countTenantCleanup(conn, tenantCode, tenant.deletedAt ?? new Date(0));
    if (counts.open > 0 || counts.completed === 0) return false;
    await markTenantPurged(conn, tenantCode);
    await cleanupLog(conn, { cleanupId: null, tenantCode, action: 'tenant_purged', status: 'completed', message: 'every resource purged' });
    return true;
  });
  if (purged) {
    await publishTenantStatus(ctx.redis, ctx.config.REDIS_KEY_PREFIX, tenantCode, 'purged').catch((err) =>
      ctx.logger.warn({ tenant: tenantCode, err: (err as Error).message }, 'tenant status publish failed'),
    );
  }
  return purged;
}

/**
 * Purges one tenant_resource_cleanup row: pending -> in_progress -> completed
 * (docs/provisioning.md, Purge). A failure increments retry_count and puts the row back to
 * pending for the next attempt; the CLEANUP_MAX_RETRIES-th failure marks it failed and writes a
 * security event.
 */
export async function purgeResource(ctx: ProvisionerContext, cleanupId: number): Promise<PurgeOutcome> {
  const claimed = await claim(ctx, cleanupId);
  if ('skip' in claimed) return { outcome: 'skipped', reason: claimed.skip };
  const { row } = claimed;
  const started = Date.now();
  let details: Record<string, unknown>;
  try {
    details = await PURGERS[row.resourceType](ctx, row);
  } catch (err) {
    return recordFailure(ctx, row, err as Error);
  }
  await withTransaction(ctx.db, async (conn) => {
    await markCleanupCompleted(conn, row.id);
    await cleanupLog(conn, {
      cleanupId: row.id,
      tenantCode: row.tenantCode,
      action: `purge_${row.resourceType}`,
      status: 'completed',
      message: `${row.resourceType} ${row.resourceName ?? ''} purged in ${Date.now() - started} ms`,
      details,
    });
  });
  ctx.logger.info({ tenant: row.tenantCode, cleanupId: row.id, resource: row.resourceType, ...details }, 'resource purged');
  const tenantPurged = await completeTenantIfDone(ctx, row.tenantCode);
  return { outcome: 'completed', details, tenantPurged };
}

async function recordFailure(ctx: ProvisionerContext, row: CleanupRow, err: Error): Promise<PurgeOutcome> {
  const max = ctx.config.CLEANUP_MAX_RETRIES;
  const message = err.message.slice(0, 10_000);
  return withTransaction(ctx.db, async (conn) => {
    const { retryCount, failed } = await recordCleanupFailure(conn, row.id, message, max);
    await cleanupLog(conn, {
      cleanupId: row.id,
      tenantCode: row.tenantCode,
      action: `purge_${row.resourceType}`,
      status: 'failed',
      message: `attempt ${retryCount} of ${max} failed: ${message}`,
    });
    if (failed) {
      await securityEvent(conn, {
        type: 'tenant_purge_failed',
        severity: 'high',
        tenantCode: row.tenantCode,
        subjectType: 'cleanup',
        subjectId: String(row.id),
        details: { resourceType: row.resourceType, resourceName: row.resourceName, attempts: retryCount, error: message },
      });
      ctx.logger.error({ tenant: row.tenantCode, cleanupId: row.id, err: message }, 'resource purge failed for good');
      return { outcome: 'failed' as const, retryCount, error: message };
    }
    ctx.logger.warn({ tenant: row.tenantCode, cleanupId: row.id, attempt: retryCount, err: message }, 'resource purge failed; will retry');
    return { outcome: 'retry' as const, retryCount, error: message };
  });
}
