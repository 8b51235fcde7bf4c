import type { Redis } from 'ioredis';
import { tenantStatusChannel, type TenantStatusMessage } from './queues';

/**
 * Tenant lifecycle pieces shared by the control plane (suspend, activate, delete, restore) and
 * the provisioner (purge): the allowed transitions of SPEC §5, the status announcement, and the
 * cleanup queue's job names.
 */

/** Statuses a tenant may move to each target status from (SPEC §5 state machine). */
export const TENANT_TRANSITIONS = {
  suspended: ['active'],
  active: ['suspended', 'inactive'],
  deleted: ['active', 'suspended', 'failed', 'inactive'],
  restored: ['deleted'],
} as const;

/**
 * Announces a tenant's new status on the Redis channel every tenant-app instance subscribes to,
 * so a suspension or deletion takes effect everywhere at once (SPEC §5, §12).
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
