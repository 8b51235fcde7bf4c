import { CREATE_STEPS, type Connection, type ResultSetHeader, type RowDataPacket } from '@kg/shared';

/**
 * The control plane's side of a create pipeline's rows, `tenant_init_steps` and
 * `tenant_init_progress` (the provisioner's worker writes them while it runs), and the plan
 * limits of `billing_rules` a new tenant gets (docs/data-ownership.md).
 */

/** The 8 step rows (pending) and the progress summary of a new pipeline. */
export async function insertPipelineRows(
  conn: Connection,
  tenantCode: string,
  jobId: string,
  adminStepDetails: Record<string, unknown> | null,
): Promise<void> {
  await conn.query(
    `INSERT INTO tenant_init_steps (tenant_id, step_name, step_order, status, details) VALUES ${CREATE_STEPS.map(() => "(?, ?, ?, 'pending', ?)").join(', ')}`,
    CREATE_STEPS.flatMap((s) => [
      tenantCode,
      s.name,
      s.order,
      s.name === 'create_admin' && adminStepDetails ? JSON.stringify(adminStepDetails) : null,
    ]),
  );
  await conn.query(
    "INSERT INTO tenant_init_progress (tenant_id, job_id, current_step, total_steps, status) VALUES (?, ?, 0, ?, 'pending')",
    [tenantCode, jobId, CREATE_STEPS.length],
  );
}

export interface PipelineStep {
  name: string;
  order: number;
  status: string;
  attempts: number;
  startedAt: Date | null;
  completedAt: Date | null;
  durationMs: number | null;
  error: string | null;
}

/** The pipeline's steps in order. */
export async function listPipelineSteps(db: Connection, tenantCode: string): Promise<PipelineStep[]> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT step_name, step_order, status, attempts, started_at, completed_at, duration_ms, error_message
       FROM tenant_init_steps WHERE tenant_id = ? ORDER BY step_order`,
    [tenantCode],
  );
  return rows.map((r) => ({
    name: r.step_name,
    order: Number(r.step_order),
    status: r.status,
    attempts: Number(r.attempts),
    startedAt: r.started_at,
    completedAt: r.completed_at,
    durationMs: r.duration_ms === null ? null : Number(r.duration_ms),
    error: r.error_message,
  }));
}

/** The pipeline's progress summary, or null when the tenant has none (registered before pipelines). */
export async function findPipelineSummary(
  db: Connection,
  tenantCode: string,
): Promise<{ totalSteps: number | null; error: string | null } | null> {
  const [rows] = await db.query<RowDataPacket[]>(
    'SELECT total_steps, error_message FROM tenant_init_progress WHERE tenant_id = ?',
    [tenantCode],
  );
  const r = rows[0];
  if (!r) return null;
  return { totalSteps: r.total_steps === null ? null : Number(r.total_steps), error: r.error_message };
}

/** The first step that has not completed, or null when all have. */
export async function firstUnfinishedStep(conn: Connection, tenantCode: string): Promise<string | null> {
  const [rows] = await conn.query<RowDataPacket[]>(
    `SELECT step_name FROM tenant_init_steps WHERE tenant_id = ? AND status <> 'completed' ORDER BY step_order LIMIT 1`,
    [tenantCode],
  );
  return rows[0] ? String(rows[0].step_name) : null;
}

/** Failed and interrupted steps back to pending, and the summary with them (a retry). */
export async function resetUnfinishedSteps(conn: Connection, tenantCode: string): Promise<void> {
  await conn.query("UPDATE tenant_init_steps SET status = 'pending' WHERE tenant_id = ? AND status IN ('failed', 'running')", [
    tenantCode,
  ]);
  await conn.query(
    "UPDATE tenant_init_progress SET status = 'pending', error_message = NULL, completed_at = NULL WHERE tenant_id = ?",
    [tenantCode],
  );
}

/**
 * Merges `patch` into the details of the `create_admin` step, unless the step completed or the
 * worker already created the user (then the patch comes too late and is dropped).
 */
export async function patchPendingAdminStep(db: Connection, tenantCode: string, patch: Record<string, unknown>): Promise<void> {
  await db.query(
    `UPDATE tenant_init_steps SET details = JSON_MERGE_PATCH(COALESCE(details, '{}'), ?)
      WHERE tenant_id = ? AND step_name = 'create_admin' AND status <> 'completed'
        AND JSON_VALUE(details, '$.createdUser') IS NULL`,
    [JSON.stringify(patch), tenantCode],
  );
}

/** What the `create_admin` step recorded about the admin's one-time password. */
export interface AdminStepSecret {
  stepId: number;
  status: string;
  sealedPassword: string | null;
  createdUser: boolean;
  passwordUnavailable: boolean;
  phone: string | null;
}

/** JSON_VALUE gives a JSON true as '1' on MariaDB and 'true' on MySQL. */
const isTrue = (v: unknown) => v === '1' || v === 'true' || v === 1 || v === true;

export async function findAdminStepSecret(db: Connection, tenantCode: string): Promise<AdminStepSecret | null> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT id, status, JSON_VALUE(details, '$.sealedPassword') AS sealed, JSON_VALUE(details, '$.createdUser') AS created,
            JSON_VALUE(details, '$.passwordUnavailable') AS unavailable, JSON_VALUE(details, '$.phone') AS phone
       FROM tenant_init_steps WHERE tenant_id = ? AND step_name = 'create_admin'`,
    [tenantCode],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    stepId: Number(r.id),
    status: r.status,
    sealedPassword: r.sealed ?? null,
    createdUser: isTrue(r.created),
    passwordUnavailable: isTrue(r.unavailable),
    phone: r.phone === null || r.phone === undefined ? null : String(r.phone),
  };
}

/**
 * Removes the sealed password from the step. True only for the one caller whose UPDATE removed
 * it, so concurrent readers cannot both take it.
 */
export async function removeSealedPassword(db: Connection, stepId: number): Promise<boolean> {
  const [res] = await db.query<ResultSetHeader>(
    `UPDATE tenant_init_steps SET details = JSON_REMOVE(details, '$.sealedPassword')
      WHERE id = ? AND JSON_CONTAINS_PATH(details, 'one', '$.sealedPassword')`,
    [stepId],
  );
  return res.affectedRows === 1;
}
