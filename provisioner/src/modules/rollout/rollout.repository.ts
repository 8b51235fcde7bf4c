import type { Pool, ResultSetHeader, RowDataPacket } from '@kg/shared';

/**
 * The provisioner's only reader and writer of `schema_rollouts` and `schema_rollout_tenants`
 * (docs/data-ownership.md, Provisioner). Creating a rollout and reading its view are shared with
 * the control plane's API (packages/shared/src/rollouts.ts): the provisioner reaches them through here.
 */
export { createRollout, getRollout } from '@kg/shared';

export type RolloutPhase = 'template' | 'canary' | 'all' | 'done';
export type RolloutTenantOutcome = 'completed' | 'failed' | 'skipped';

export interface RolloutRecord {
  id: number;
  status: string;
  phase: RolloutPhase;
  canarySize: number;
  concurrency: number;
  totalTenants: number;
}

export async function findRollout(db: Pool, rolloutId: number): Promise<RolloutRecord | null> {
  const [[r]] = await db.query<RowDataPacket[]>(
    'SELECT id, status, phase, canary_size, concurrency, total_tenants FROM schema_rollouts WHERE id = ?',
    [rolloutId],
  );
  if (!r) return null;
  return {
    id: Number(r.id),
    status: String(r.status),
    phase: r.phase,
    canarySize: Number(r.canary_size),
    concurrency: Number(r.concurrency),
    totalTenants: Number(r.total_tenants),
  };
}

export async function markRolloutStarted(db: Pool, rolloutId: number): Promise<void> {
  await db.query(
    "UPDATE schema_rollouts SET status = 'running', phase = 'template', started_at = COALESCE(started_at, NOW(3)) WHERE id = ?",
    [rolloutId],
  );
}

/** Marks a rollout failed before it fanned out (e.g. the template migration failed). */
export async function failRollout(db: Pool, rolloutId: number, message: string): Promise<void> {
  await db.query(
    "UPDATE schema_rollouts SET status = 'failed', phase = 'done', error_message = ?, completed_at = NOW(3) WHERE id = ?",
    [message.slice(0, 10_000), rolloutId],
  );
}

/** Records the rollout's tenants as pending, in order; the first `canary` of them form the canary batch. */
export async function addRolloutTenants(db: Pool, rolloutId: number, tenantCodes: string[], canary: number): Promise<void> {
  for (let i = 0; i < tenantCodes.length; i += 500) {
    const chunk = tenantCodes.slice(i, i + 500);
    await db.query('INSERT IGNORE INTO schema_rollout_tenants (rollout_id, tenant_code, batch, position) VALUES ?', [
      chunk.map((tenantCode, j) => [rolloutId, tenantCode, i + j < canary ? 'canary' : 'main', i + j + 1]),
    ]);
  }
}

/** Sets what the rollout will do; a rollout with nothing to do (`done`) is completed at once. */
export async function setRolloutPlan(
  db: Pool,
  rolloutId: number,
  plan: { targetVersion: number; totalTenants: number; phase: RolloutPhase },
): Promise<void> {
  await db.query(
    `UPDATE schema_rollouts SET target_version = ?, total_tenants = ?, phase = ?,
            status = IF(? = 'done', 'completed', status), completed_at = IF(? = 'done', NOW(3), completed_at)
      WHERE id = ?`,
    [plan.targetVersion, plan.totalTenants, plan.phase, plan.phase, plan.phase, rolloutId],
  );
}

/** Claims a tenant of a rollout for migrating; false when it is finished already. */
export async function claimRolloutTenant(db: Pool, rolloutId: number, tenantCode: string): Promise<boolean> {
  const [res] = await db.query<ResultSetHeader>(
    `UPDATE schema_rollout_tenants SET status = 'running', started_at = NOW(3), error_message = NULL
      WHERE rollout_id = ? AND tenant_code = ? AND status IN ('pending','running')`,
    [rolloutId, tenantCode],
  );
  return res.affectedRows > 0;
}

export async function finishRolloutTenant(
  db: Pool,
  rolloutId: number,
  tenantCode: string,
  outcome: RolloutTenantOutcome,
  fields: { from?: number | null; to?: number | null; applied?: number[]; error?: string; durationMs: number },
): Promise<void> {
  await db.query(
    `UPDATE schema_rollout_tenants SET status = ?, from_version = ?, to_version = ?, applied = ?, error_message = ?,
            completed_at = NOW(3), duration_ms = ?
      WHERE rollout_id = ? AND tenant_code = ?`,
    [
      outcome,
      fields.from ?? null,
      fields.to ?? null,
      fields.applied ? JSON.stringify(fields.applied) : null,
      fields.error?.slice(0, 10_000) ?? null,
      fields.durationMs,
      rolloutId,
      tenantCode,
    ],
  );
}

/** How many tenants of a rollout are in each batch and status. */
export async function countRolloutTenants(db: Pool, rolloutId: number): Promise<Array<{ batch: string; status: string; n: number }>> {
  const [rows] = await db.query<RowDataPacket[]>(
    'SELECT batch, status, COUNT(*) AS n FROM schema_rollout_tenants WHERE rollout_id = ? GROUP BY batch, status',
    [rolloutId],
  );
  return rows.map((r) => ({ batch: String(r.batch), status: String(r.status), n: Number(r.n) }));
}

/**
 * Stops a rollout whose canary batch had failures and skips its pending tenants. False when
 * another caller moved the rollout on first.
 */
export async function stopAfterCanaryFailure(db: Pool, rolloutId: number): Promise<boolean> {
  const [res] = await db.query<ResultSetHeader>(
    `UPDATE schema_rollouts SET status = 'stopped', phase = 'done', completed_at = NOW(3),
            error_message = 'canary batch had failures; the remaining tenants were not migrated'
      WHERE id = ? AND phase = 'canary'`,
    [rolloutId],
  );
  if (!res.affectedRows) return false;
  await db.query(
    "UPDATE schema_rollout_tenants SET status = 'skipped', error_message = 'rollout stopped after canary failure' WHERE rollout_id = ? AND status = 'pending'",
    [rolloutId],
  );
  return true;
}

/**
 * Moves a rollout from its canary batch to all tenants and returns the codes of the main batch
 * still pending, in order; null when another caller moved it first.
 */
export async function releaseMainBatch(db: Pool, rolloutId: number): Promise<string[] | null> {
  const [res] = await db.query<ResultSetHeader>("UPDATE schema_rollouts SET phase = 'all' WHERE id = ? AND phase = 'canary'", [rolloutId]);
  if (!res.affectedRows) return null;
  const [rows] = await db.query<RowDataPacket[]>(
    "SELECT tenant_code FROM schema_rollout_tenants WHERE rollout_id = ? AND batch = 'main' AND status = 'pending' ORDER BY position",
    [rolloutId],
  );
  return rows.map((r) => String(r.tenant_code));
}

/** Completes a running rollout of all tenants, with or without failures. */
export async function completeRollout(db: Pool, rolloutId: number, failed: number): Promise<void> {
  await db.query(
    `UPDATE schema_rollouts SET status = ?, phase = 'done', completed_at = NOW(3),
            error_message = IF(? > 0, CONCAT(?, ' tenant(s) failed; see per-tenant errors'), NULL)
      WHERE id = ? AND phase = 'all' AND status = 'running'`,
    [failed ? 'completed_with_failures' : 'completed', failed, failed, rolloutId],
  );
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
