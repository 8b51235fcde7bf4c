import type { CreateStepName, Pool, ResultSetHeader, RowDataPacket } from '@kg/shared';

/**
 * Writes of the pipeline's progress: one `tenant_init_steps` row per step (status, attempts,
 * timings, error, details) and the `tenant_init_progress` summary the control plane reports.
 */
export interface StepRow {
  name: CreateStepName;
  order: number;
  status: 'pending' | 'running' | 'completed' | 'failed' | 'skipped';
  attempts: number;
  details: Record<string, unknown>;
}

function parseDetails(v: unknown): Record<string, unknown> {
  if (v === null || v === undefined) return {};
  if (typeof v === 'string') {
    try {
      return JSON.parse(v) as Record<string, unknown>;
    } catch {
      return {};
    }
  }
  return v as Record<string, unknown>;
}

export async function loadStepRows(db: Pool, code: string): Promise<Map<CreateStepName, StepRow>> {
  const [rows] = await db.query<RowDataPacket[]>(
    'SELECT step_name, step_order, status, attempts, details FROM tenant_init_steps WHERE tenant_id = ?',
    [code],
  );
  const out = new Map<CreateStepName, StepRow>();
  for (const r of rows) {
    out.set(r.step_name, {
      name: r.step_name,
      order: Number(r.step_order),
      status: r.status,
      attempts: Number(r.attempts),
      details: parseDetails(r.details),
    });
  }
  return out;
}

/** Creates step rows a tenant lacks (rows inserted by the control plane are kept as they are). */
export async function ensureStepRows(db: Pool, code: string, steps: ReadonlyArray<{ name: string; order: number }>): Promise<void> {
  const values = steps.map(() => "(?, ?, ?, 'pending')").join(', ');
  await db.query(
    `INSERT IGNORE INTO tenant_init_steps (tenant_id, step_name, step_order, status) VALUES ${values}`,
    steps.flatMap((s) => [code, s.name, s.order]),
  );
  await db.query(
    `INSERT IGNORE INTO tenant_init_progress (tenant_id, total_steps, status) VALUES (?, ?, 'pending')`,
    [code, steps.length],
  );
}

export async function markPipelineRunning(db: Pool, code: string, jobId: string | undefined): Promise<void> {
  await db.query(
    `UPDATE tenant_init_progress
        SET status = 'running', error_message = NULL, job_id = COALESCE(?, job_id), started_at = COALESCE(started_at, NOW(3))
      WHERE tenant_id = ?`,
    [jobId ?? null, code],
  );
}

/** Marks a step running (one more attempt) and makes it the current step; returns its attempt number. */
export async function startStep(db: Pool, code: string, step: CreateStepName, order: number): Promise<number> {
  // LAST_INSERT_ID(expr) hands the new attempt count back without a second query.
  const [res] = await db.query<ResultSetHeader>(
    `UPDATE tenant_init_steps s JOIN tenant_init_progress p ON p.tenant_id = s.tenant_id
        SET s.status = 'running', s.attempts = LAST_INSERT_ID(s.attempts + 1), s.started_at = NOW(3), s.completed_at = NULL,
            s.duration_ms = NULL, s.error_message = NULL, p.current_step = ?
      WHERE s.tenant_id = ? AND s.step_name = ?`,
    [order, code, step],
  );
  return Number(res.insertId) || 1;
}

export async function completeStep(
  db: Pool,
  code: string,
  step: CreateStepName,
  durationMs: number,
  details: Record<string, unknown> | void,
): Promise<void> {
  await db.query(
    `UPDATE tenant_init_steps
        SET status = 'completed', completed_at = NOW(3), duration_ms = ?, error_message = NULL,
            details = JSON_MERGE_PATCH(COALESCE(details, '{}'), ?)
      WHERE tenant_id = ? AND step_name = ?`,
    [Math.round(durationMs), JSON.stringify(details ?? {}), code, step],
  );
}

/**
 * Records a failed attempt. A retryable failure puts the step back to `pending` with its error
 * (the next attempt resumes here); a final one marks it `failed`.
 */
export async function failStep(
  db: Pool,
  code: string,
  step: CreateStepName,
  durationMs: number,
  message: string,
  final: boolean,
): Promise<void> {
  await db.query(
    `UPDATE tenant_init_steps SET status = ?, duration_ms = ?, error_message = ? WHERE tenant_id = ? AND step_name = ?`,
    [final ? 'failed' : 'pending', Math.round(durationMs), message.slice(0, 60_000), code, step],
  );
}

/** Marks the tenant failed with the step's reason (only while it is still provisioning). */
export async function markTenantFailed(db: Pool, code: string, step: CreateStepName | 'pipeline', message: string): Promise<void> {
  const reason = `${step}: ${message}`.slice(0, 60_000);
  await db.query(`UPDATE tenants SET status = 'failed', provisioning_error = ? WHERE tenant_id = ? AND status = 'provisioning'`, [
    reason,
    code,
  ]);
  await db.query(
    `UPDATE tenant_init_progress SET status = 'failed', error_message = ?, completed_at = NOW(3) WHERE tenant_id = ?`,
    [reason, code],
  );
}
