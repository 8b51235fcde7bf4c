import type { Connection, RowDataPacket } from '@kg/shared';

/**
 * The control plane's reads and writes of `schema_rollouts` beyond the shared createRollout and
 * getRollout of @kg/shared (which the provisioner uses too): the list of recent rollouts, and
 * failing a rollout whose start job could not be queued (docs/data-ownership.md).
 */

export interface RolloutSummary {
  id: number;
  status: string;
  phase: string;
  targetVersion: number | null;
  canarySize: number;
  concurrency: number;
  totalTenants: number;
  requestedBy: string | null;
  createdAt: string;
  completedAt: string | null;
}

/** Recent rollouts, newest first, without per-tenant detail. */
export async function listRecentRollouts(db: Connection, limit: number): Promise<RolloutSummary[]> {
  const [rows] = await db.query<RowDataPacket[]>(
    'SELECT id, status, phase, target_version, canary_size, concurrency, total_tenants, requested_by, created_at, completed_at FROM schema_rollouts ORDER BY id DESC LIMIT ?',
    [limit],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    status: String(r.status),
    phase: String(r.phase),
    targetVersion: r.target_version === null ? null : Number(r.target_version),
    canarySize: Number(r.canary_size),
    concurrency: Number(r.concurrency),
    totalTenants: Number(r.total_tenants),
    requestedBy: r.requested_by as string | null,
    createdAt: (r.created_at as Date).toISOString(),
    completedAt: r.completed_at ? (r.completed_at as Date).toISOString() : null,
  }));
}

/** Ends a rollout that never started (its start job could not be queued). */
export async function markRolloutFailed(db: Connection, rolloutId: number, error: string): Promise<void> {
  await db.query("UPDATE schema_rollouts SET status = 'failed', phase = 'done', error_message = ? WHERE id = ?", [error, rolloutId]);
}
