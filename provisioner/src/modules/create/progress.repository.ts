import type { CreateStepName, Pool, PoolConnection, ResultSetHeader, RowDataPacket } from '@kg/shared';

/**
 * The pipeline's progress: one `tenant_init_steps` row per step (status, attempts, timings,
 * error, details) and the `tenant_init_progress` summary the control plane reports. The control
 * plane inserts both when it accepts a create request; from then on the provisioner writes them.
 */

type Db = Pool | PoolConnection;

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

export async function loadStepRows(db: Pool, tenantCode: string): Promise<Map<CreateStepName, StepRow>> {
  const [rows] = await db.query<RowDataPacket[]>(
    'SELECT step_name, step_order, status, attempts, details FROM tenant_init_steps WHERE tenant_id = ?',
    [tenantCode],
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
export async function ensureStepRows(db: Pool, tenantCode: string, steps: ReadonlyArray<{ name: string; order: number }>): Promise<void> {
  const values = steps.map(() => "(?, ?, ?, 'pending')").join(', ');
  await db.query(
    `INSERT IGNORE INTO tenant_init_steps (tenant_id, step_name, step_order, status) VALUES ${values}`,
    steps.flatMap((s) => [tenantCode, s.name, s.order]),
  );
  await db.query(
    `INSERT IGNORE INTO tenant_init_progress (tenant_id, total_steps, status) VALUES (?, ?, 'pending')`,
    [tenantCode, steps.length],
  );
}

export async function markPipelineRunning(db: Pool, tenantCode: string, jobId: string | undefined): Promise<void> {
  await db.query(
    `UPDATE tenant_init_progress
        SET status = 'running', error_message = NULL, job_id = COALESCE(?, job_id), started_at = COALESCE(started_at, NOW(3))
      WHERE tenant_id = ?`,
    [jobId ?? null, tenantCode],
  );
}

/** Marks a step running (one more attempt) and makes it the current step; returns its attempt number. */
export async function startStep(db: Pool, tenantCode: string, step: CreateStepName, order: number): Promise<number> {
  // LAST_INSERT_ID(expr) hands the new attempt count back without a second query.
  const [res] = await db.query<ResultSetHeader>(
    `UPDATE tenant_init_steps s JOIN tenant_init_progress p ON p.tenant_id = s.tenant_id
        SET s.status = 'running', s.attempts = LAST_INSERT_ID(s.attempts + 1), s.started_at = NOW(3), s.completed_at = NULL,
            s.duration_ms = NULL, s.error_message = NULL, p.current_step = ?
      WHERE s.tenant_id = ? AND s.step_name = ?`,
    [order, tenantCode, step],
  );
  return Number(res.insertId) || 1;
}

export async function completeStep(
  db: Pool,
  tenantCode: string,
  step: CreateStepName,
  durationMs: number,
  details: Record<string, unknown> | void,
): Promise<void> {
  await db.query(
    `UPDATE tenant_init_steps
        SET status = 'completed', completed_at = NOW(3), duration_ms = ?, error_message = NULL,
            details = JSON_MERGE_PATCH(COALESCE(details, '{}'), ?)
      WHERE tenant_id = ? AND step_name = ?`,
    [Math.round(durationMs), JSON.stringify(details ?? {}), tenantCode, step],
  );
}

/**
 * Records a failed attempt. A retryable failure puts the step back to `pending` with its error
 * (the next attempt resumes here); a final one marks it `failed`.
 */
export async function failStep(
  db: Pool,
  tenantCode: string,
  step: CreateStepName,
  durationMs: number,
  message: string,
  final: boolean,
): Promise<void> {
  await db.query(
    `UPDATE tenant_init_steps SET status = ?, duration_ms = ?, error_message = ? WHERE tenant_id = ? AND step_name = ?`,
    [final ? 'failed' : 'pending', Math.round(durationMs), message.slice(0, 60_000), tenantCode, step],
  );
}

/** Marks the progress summary failed with the reason. */
export async function markProgressFailed(db: Pool, tenantCode: string, reason: string): Promise<void> {
  await db.query(
    `UPDATE tenant_init_progress SET status = 'failed', error_message = ?, completed_at = NOW(3) WHERE tenant_id = ?`,
    [reason, tenantCode],
  );
}

/** The last step row and the progress summary of a finished pipeline. */
export async function markFinished(db: Db, tenantCode: string): Promise<void> {
  await db.query(
    `UPDATE tenant_init_steps SET status = 'completed', completed_at = COALESCE(completed_at, NOW(3)), error_message = NULL,
            duration_ms = COALESCE(duration_ms, GREATEST(0, TIMESTAMPDIFF(MICROSECOND, started_at, NOW(3)) DIV 1000))
      WHERE tenant_id = ? AND step_name = 'activate'`,
    [tenantCode],
  );
  await db.query(
    `UPDATE tenant_init_progress SET status = 'completed', current_step = total_steps, error_message = NULL,
            completed_at = COALESCE(completed_at, NOW(3))
      WHERE tenant_id = ?`,
    [tenantCode],
  );
}

/** Merges `details` into a step row's details JSON (a null value removes that key). */
export async function mergeStepDetails(db: Db, tenantCode: string, step: CreateStepName, details: Record<string, unknown>): Promise<void> {
  await db.query(
    `UPDATE tenant_init_steps SET details = JSON_MERGE_PATCH(COALESCE(details, '{}'), ?) WHERE tenant_id = ? AND step_name = ?`,
    [JSON.stringify(details), tenantCode, step],
  );
}

/**
 * What the control plane left in the create_admin step for a new admin's one-time password:
 * its bcrypt hash once computed, and whether one is still being computed. Null without the row.
 */
export async function readAdminPasswordState(
  db: Pool,
  tenantCode: string,
): Promise<{ passwordHash: string | null; awaitingPassword: boolean } | null> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT JSON_VALUE(details, '$.passwordHash') AS hash, JSON_VALUE(details, '$.awaitingPassword') AS waiting
       FROM tenant_init_steps WHERE tenant_id = ? AND step_name = 'create_admin'`,
    [tenantCode],
  );
  const r = rows[0];
  if (!r) return null;
  // JSON_VALUE gives a JSON true as '1' on MariaDB and 'true' on MySQL.
  return { passwordHash: r.hash ? String(r.hash) : null, awaitingPassword: r.waiting === '1' || r.waiting === 'true' };
}

/** Locks the create_admin step row (inside the caller's transaction) and returns the one-time password hash. */
export async function lockAdminPasswordHash(conn: PoolConnection, tenantCode: string): Promise<string | null> {
  const [rows] = await conn.query<RowDataPacket[]>(
    `SELECT JSON_VALUE(details, '$.passwordHash') AS hash FROM tenant_init_steps
      WHERE tenant_id = ? AND step_name = 'create_admin' FOR UPDATE`,
    [tenantCode],
  );
  return rows[0]?.hash ? String(rows[0].hash) : null;
}
