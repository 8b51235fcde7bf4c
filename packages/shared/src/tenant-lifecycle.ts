import type { Redis } from 'ioredis';
import type { Pool, PoolConnection } from './mysql';
import { tenantAccessChannel, tenantStatusChannel, type TenantAccessMessage, type TenantStatusMessage } from './queues';

/**
 * Tenant lifecycle pieces shared by the control plane (suspend, activate, delete, restore) and
 * the provisioner (purge): the allowed status transitions, the status announcement, and the
 * cleanup queue (its job names, statuses, log and cancellation), whose tables both apps write
 * (docs/provisioning.md, Purge).
 */

/** Statuses a tenant may move to each target status from (the tenant state machine). */
export const TENANT_TRANSITIONS = {
  suspended: ['active'],
  active: ['suspended', 'inactive'],
  deleted: ['active', 'suspended', 'failed', 'inactive'],
  restored: ['deleted'],
} as const;

/**
 * Announces a tenant's new status on the Redis channel every tenant-app instance subscribes to,
 * so a suspension or deletion takes effect everywhere at once, however many replicas run.
 * Returns how many subscribers received it.
 */
export async function publishTenantStatus(
  redis: Redis,
  redisKeyPrefix: string,
  tenantCode: string,
  status: string,
): Promise<number> {
  const message: TenantStatusMessage = { tenantCode, status, at: new Date().toISOString() };
  return redis.publish(tenantStatusChannel(redisKeyPrefix), JSON.stringify(message));
}

/**
 * Announces that who may act inside a tenant changed (one user's binding or role, or every user
 * when `globalUserId` is omitted), so tenant apps drop their cached access answers at once instead
 * of at the end of ACCESS_CACHE_TTL_MS. Returns how many subscribers received it.
 */
export async function publishTenantAccessChange(
  redis: Redis,
  redisKeyPrefix: string,
  tenantCode: string,
  globalUserId?: string | number,
): Promise<number> {
  const message: TenantAccessMessage = {
    tenantCode,
    ...(globalUserId === undefined ? {} : { globalUserId: String(globalUserId) }),
    at: new Date().toISOString(),
  };
  return redis.publish(tenantAccessChannel(redisKeyPrefix), JSON.stringify(message));
}

/** Job names on QUEUES.cleanup. */
export const CLEANUP_JOBS = {
  /** Finds due cleanup rows and enqueues one purge job per row. */
  purgeRun: 'purge-run',
  /** Purges one tenant_resource_cleanup row. */
  purgeResource: 'purge-resource',
  /** Removes objects under {prefix}temp/ older than the retention, for every active tenant. */
  tempCleanup: 'temp-cleanup',
} as const;

export interface PurgeRunJob {
  /** Who asked: 'schedule' or an admin's name. */
  trigger: string;
}

export interface PurgeResourceJob {
  cleanupId: number;
}

/** Days until `due` from `now`, rounded up; 0 when due or overdue. */
export function daysLeft(due: Date, now: Date = new Date()): number {
  return Math.max(0, Math.ceil((due.getTime() - now.getTime()) / 86_400_000));
}

/** Statuses of a tenant_resource_cleanup row. */
export const CLEANUP_STATUSES = ['pending', 'in_progress', 'completed', 'failed', 'cancelled'] as const;
export type CleanupStatus = (typeof CLEANUP_STATUSES)[number];

/** One tenant_cleanup_logs row: a lifecycle action on a cleanup resource. */
export interface CleanupLogEntry {
  /** null for an action on the tenant as a whole. */
  cleanupId: number | null;
  tenantCode: string;
  action: string;
  status: 'started' | 'completed' | 'failed' | 'skipped' | 'cancelled';
  message?: string | null;
  details?: unknown;
}

/** Appends to tenant_cleanup_logs; the message is cut to fit its TEXT column. */
export async function cleanupLog(conn: Pool | PoolConnection, entry: CleanupLogEntry): Promise<void> {
  await conn.query(
    'INSERT INTO tenant_cleanup_logs (cleanup_id, tenant_code, action, status, message, details) VALUES (?, ?, ?, ?, ?, ?)',
    [
      entry.cleanupId,
      entry.tenantCode,
      entry.action,
      entry.status,
      entry.message?.slice(0, 60_000) ?? null,
      entry.details === undefined || entry.details === null ? null : JSON.stringify(entry.details),
    ],
  );
}

/**
 * Cancels cleanup rows of one tenant, so their resources are kept, and logs each one: an
 * operator's cancel, a restore, or a purge that finds its tenant no longer deleted. Call inside
 * the transaction that holds the rows' locks.
 */
export async function cancelCleanupRows(
  conn: Pool | PoolConnection,
  tenantCode: string,
  ids: number[],
  reason: string,
  log: Pick<CleanupLogEntry, 'action' | 'status' | 'message'>,
): Promise<void> {
  if (ids.length === 0) return;
  await conn.query("UPDATE tenant_resource_cleanup SET status = 'cancelled', error_message = ? WHERE id IN (?)", [reason, ids]);
  for (const id of ids) await cleanupLog(conn, { cleanupId: id, tenantCode, ...log });
}
