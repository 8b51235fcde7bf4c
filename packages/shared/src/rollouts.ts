import type { Pool, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { errors, ErrorCode } from './errors';
import { withTransaction } from './mysql';

/**
 * Schema rollout records (control DB tables schema_rollouts / schema_rollout_tenants), shared by
 * the control plane (POST/GET /api/schema/rollouts), the provisioner's rollout jobs and the CLI.
 */

/** Job names on QUEUES.rollout. */
export const ROLLOUT_JOBS = {
  /** Applies pending migrations to the template, then fans out one job per tenant. */
  start: 'rollout-start',
  /** Applies pending migrations to one tenant database. */
  tenant: 'rollout-tenant',
} as const;

export interface RolloutStartJob {
  rolloutId: number;
}

export interface RolloutTenantJob {
  rolloutId: number;
  tenantCode: string;
}

/** BullMQ job ids: one start job per rollout, one job per tenant per rollout. */
export const rolloutJobIds = {
  start: (rolloutId: number) => `rollout-${rolloutId}-start`,
  tenant: (rolloutId: number, tenantCode: string) => `rollout-${rolloutId}-${tenantCode}`,
};

/** BullMQ options of a rollout's jobs, the same wherever they are enqueued (API, CLI, fan-out, reconciler). */
export const rolloutJobOptions = {
  start: (rolloutId: number) => ({ jobId: rolloutJobIds.start(rolloutId), removeOnComplete: { age: 7 * 86_400 } }),
  tenant: (rolloutId: number, tenantCode: string) => ({
    jobId: rolloutJobIds.tenant(rolloutId, tenantCode),
    removeOnComplete: { age: 86_400 },
    removeOnFail: { age: 7 * 86_400 },
  }),
};

export type RolloutStatus = 'pending' | 'running' | 'completed' | 'completed_with_failures' | 'stopped' | 'failed';
export type RolloutTenantStatus = 'pending' | 'running' | 'completed' | 'failed' | 'skipped';

export interface RolloutRequest {
  /** First N tenants go first; any failure among them stops the rollout. 0 = no canary. */
  canarySize: number;
  concurrency: number;
  requestedBy?: string | null;
}

/**
 * Creates a rollout in `pending`. Only one rollout may be pending or running at a time: a second
 * request gets 409 with the id of the one in flight.
 */
export async function createRollout(db: Pool, req: RolloutRequest): Promise<number> {
  return withTransaction(db, async (conn) => {
    const [active] = await conn.query<RowDataPacket[]>(
      "SELECT id FROM schema_rollouts WHERE status IN ('pending','running') ORDER BY id LIMIT 1 FOR UPDATE",
    );
    if (active.length) {
      throw errors.conflict(`Rollout ${active[0]!.id} is still in progress`, ErrorCode.Conflict, {
        rolloutId: Number(active[0]!.id),
      });
    }
    const [res] = await conn.query<ResultSetHeader>(
      'INSERT INTO schema_rollouts (canary_size, concurrency, requested_by) VALUES (?, ?, ?)',
      [req.canarySize, req.concurrency, req.requestedBy ?? null],
    );
    return res.insertId;
  });
}

export interface RolloutTenantView {
  tenantCode: string;
  batch: 'canary' | 'main';
  position: number;
  status: RolloutTenantStatus;
  fromVersion: number | null;
  toVersion: number | null;
  applied: number[];
  error: string | null;
  startedAt: string | null;
  completedAt: string | null;
  durationMs: number | null;
}

export interface RolloutView {
  id: number;
  status: RolloutStatus;
  phase: 'template' | 'canary' | 'all' | 'done';
  targetVersion: number | null;
  canarySize: number;
  concurrency: number;
  totalTenants: number;
  requestedBy: string | null;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
  progress: { pending: number; running: number; completed: number; failed: number; skipped: number; percent: number };
  tenants: RolloutTenantView[];
}

const iso = (d: unknown): string | null => (d instanceof Date ? d.toISOString() : d == null ? null : String(d));

function parseApplied(v: unknown): number[] {
  if (v == null) return [];
  if (Array.isArray(v)) return v.map(Number);
  try {
    const parsed = JSON.parse(String(v));
    return Array.isArray(parsed) ? parsed.map(Number) : [];
  } catch {
    return [];
  }
}

/** A rollout with its progress counts and per-tenant status (optionally only some statuses). */
export async function getRollout(
  db: Pool,
  id: number,
  opts: { tenantStatus?: RolloutTenantStatus[] } = {},
): Promise<RolloutView | null> {
  const [rows] = await db.query<RowDataPacket[]>('SELECT * FROM schema_rollouts WHERE id = ?', [id]);
  const r = rows[0];
  if (!r) return null;
  const [counts] = await db.query<RowDataPacket[]>(
    'SELECT status, COUNT(*) AS n FROM schema_rollout_tenants WHERE rollout_id = ? GROUP BY status',
    [id],
  );
  const progress = { pending: 0, running: 0, completed: 0, failed: 0, skipped: 0, percent: 0 };
  for (const c of counts) progress[c.status as RolloutTenantStatus] = Number(c.n);
  const total = Number(r.total_tenants);
  const finished = progress.completed + progress.failed + progress.skipped;
  progress.percent = total === 0 ? (r.status === 'pending' || r.status === 'running' ? 0 : 100) : Math.round((finished / total) * 1000) / 10;

  const where = opts.tenantStatus?.length ? ' AND status IN (?)' : '';
  const [tenantRows] = await db.query<RowDataPacket[]>(
    `SELECT * FROM schema_rollout_tenants WHERE rollout_id = ?${where} ORDER BY position`,
    opts.tenantStatus?.length ? [id, opts.tenantStatus] : [id],
  );
  return {
    id: Number(r.id),
    status: r.status,
    phase: r.phase,
    targetVersion: r.target_version === null ? null : Number(r.target_version),
    canarySize: Number(r.canary_size),
    concurrency: Number(r.concurrency),
    totalTenants: total,
    requestedBy: r.requested_by,
    error: r.error_message,
    createdAt: iso(r.created_at)!,
    startedAt: iso(r.started_at),
    completedAt: iso(r.completed_at),
    progress,
    tenants: tenantRows.map((t) => ({
      tenantCode: t.tenant_code,
      batch: t.batch,
      position: Number(t.position),
      status: t.status,
      fromVersion: t.from_version === null ? null : Number(t.from_version),
      toVersion: t.to_version === null ? null : Number(t.to_version),
      applied: parseApplied(t.applied),
      error: t.error_message,
      startedAt: iso(t.started_at),
      completedAt: iso(t.completed_at),
      durationMs: t.duration_ms === null ? null : Number(t.duration_ms),
    })),
  };
}
