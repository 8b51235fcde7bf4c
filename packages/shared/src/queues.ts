/**
 * Queue names and job payloads shared by the control plane (producer) and the provisioner
 * (workers). BullMQ's `prefix` is REDIS_KEY_PREFIX + 'bull', so deployments and test files
 * sharing one Redis never see each other's queues.
 */
export const QUEUES = {
  /** Tenant create pipeline and retries: one job per tenant at a time (jobId = tenant code based). */
  lifecycle: 'tenant-lifecycle',
  /** Resource cleanup (purge) of deleted tenants, and temp/ file cleanup. */
  cleanup: 'tenant-cleanup',
  /** Schema rollout: one job per tenant database. */
  rollout: 'schema-rollout',
} as const;

export function bullPrefix(redisKeyPrefix: string): string {
  return `${redisKeyPrefix}bull`;
}

export interface CreateTenantJob {
  tenantCode: string;
  /** One-time password for a newly created admin global user is never put in Redis. */
  requestedBy?: string;
}

/** Redis pub/sub channel on which tenant status changes are announced to every replica. */
export function tenantStatusChannel(redisKeyPrefix: string): string {
  return `${redisKeyPrefix}tenant-status`;
}

export interface TenantStatusMessage {
  tenantCode: string;
  status: string;
  at: string;
}

/**
 * Redis pub/sub channel on which changes to who may act inside a tenant are announced (a user
 * bound, re-bound with another role or unbound): tenant apps drop their cached answer at once.
 */
export function tenantAccessChannel(redisKeyPrefix: string): string {
  return `${redisKeyPrefix}tenant-access`;
}

export interface TenantAccessMessage {
  tenantCode: string;
  /** The global user whose access changed; absent: every user of the tenant. */
  globalUserId?: string;
  at: string;
}
