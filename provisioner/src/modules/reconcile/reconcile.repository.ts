import type { Pool, RowDataPacket } from '@kg/shared';

/**
 * The reconciler's reads of cleanup and rollout records (their owners' modules write them). Idle
 * times are measured on the control database's clock, so replicas with skewed clocks agree.
 */

/** "12 s": an idle time as it appears in reconciliation reasons. */
export const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;

export interface StartedCleanup {
  id: number;
  status: 'pending' | 'in_progress';
  retryCount: number;
  /** Milliseconds since the row last changed. */
  idleMs: number;
}

/**
 * Cleanup rows whose purge has begun and is owed a job: `in_progress` (a worker claimed it), or
 * `pending` after a failed attempt (BullMQ's backoff retry holds it).
 */
export async function findStartedCleanup(db: Pool): Promise<StartedCleanup[]> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT id, status, retry_count, TIMESTAMPDIFF(MICROSECOND, updated_at, NOW(3)) DIV 1000 AS idle_ms
       FROM tenant_resource_cleanup
      WHERE status = 'in_progress' OR (status = 'pending' AND retry_count > 0)
      ORDER BY id`,
  );
  return rows.map((r) => ({ id: Number(r.id), status: r.status, retryCount: Number(r.retry_count), idleMs: Number(r.idle_ms) }));
}

export interface OpenRollout {
  id: number;
  status: 'pending' | 'running';
  phase: 'template' | 'canary' | 'all' | 'done';
  concurrency: number;
  /** Milliseconds since the rollout or one of its tenants last started or finished anything. */
  idleMs: number;
}

/** Rollouts still pending or running, oldest first. */
export async function findOpenRollouts(db: Pool): Promise<OpenRollout[]> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT r.id, r.status, r.phase, r.concurrency,
            TIMESTAMPDIFF(MICROSECOND,
              GREATEST(r.updated_at, COALESCE(MAX(t.started_at), r.updated_at), COALESCE(MAX(t.completed_at), r.updated_at)),
              NOW(3)) DIV 1000 AS idle_ms
       FROM schema_rollouts r LEFT JOIN schema_rollout_tenants t ON t.rollout_id = r.id
      WHERE r.status IN ('pending', 'running')
      GROUP BY r.id, r.status, r.phase, r.concurrency, r.updated_at
      ORDER BY r.id`,
  );
  return rows.map((r) => ({
    id: Number(r.id),
    status: r.status,
    phase: r.phase,
    concurrency: Number(r.concurrency),
    idleMs: Number(r.idle_ms),
  }));
}

/**
 * Tenants of a rollout that should have a job now and are not done: pending or running, in the
 * canary batch while the canary runs, in any batch afterwards.
 */
export async function findUnfinishedRolloutTenants(db: Pool, rolloutId: number, phase: OpenRollout['phase']): Promise<string[]> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT tenant_code FROM schema_rollout_tenants
      WHERE rollout_id = ? AND status IN ('pending', 'running') AND (batch = 'canary' OR ? = 'all')
      ORDER BY position`,
    [rolloutId, phase],
  );
  return rows.map((r) => String(r.tenant_code));
}
