import {
  ErrorCode,
  QUEUES,
  ROLLOUT_JOBS,
  createRollout,
  errors,
  getRollout,
  mysqlTargetFromConfig,
  rolloutJobOptions,
  schemaDriftReport,
  withTransaction,
  type DriftReport,
  type RolloutStartJob,
  type RolloutTenantStatus,
  type RolloutView,
  type RowDataPacket,
} from '@kg/shared';
import type { AppContext } from '../../context';
import { enqueue } from '../../internal/enqueue';
import { appendAudit, type AuditActor } from '../audit/audit.service';

export interface StartRolloutInput {
  canarySize: number;
  concurrency?: number;
}

/**
 * Starts a schema rollout (SPEC §5): records it and enqueues its start job; the provisioner
 * migrates the template first, then every active and suspended tenant. 409 while another runs.
 */
export async function startRollout(ctx: AppContext, actor: AuditActor, input: StartRolloutInput): Promise<{ rolloutId: number; jobId: string }> {
  const concurrency = input.concurrency ?? ctx.config.ROLLOUT_CONCURRENCY;
  const rolloutId = await createRollout(ctx.db, {
    canarySize: input.canarySize,
    concurrency,
    requestedBy: actor.actorName ?? (actor.actorId == null ? null : String(actor.actorId)),
  });
  let jobId: string;
  try {
    jobId = await enqueue<RolloutStartJob>(ctx, QUEUES.rollout, ROLLOUT_JOBS.start, { rolloutId }, rolloutJobOptions.start(rolloutId));
  } catch (err) {
    await ctx.db.query("UPDATE schema_rollouts SET status = 'failed', phase = 'done', error_message = ? WHERE id = ?", [
      `could not enqueue: ${(err as Error).message}`,
      rolloutId,
    ]);
    throw err;
  }
  await withTransaction(ctx.db, (conn) =>
    appendAudit(conn, ctx.secrets.auditKey, {
      ...actor,
      action: 'schema.rollout.start',
      targetType: 'schema_rollout',
      targetId: rolloutId,
      after: { canarySize: input.canarySize, concurrency, jobId },
    }),
  );
  return { rolloutId, jobId };
}

/** A rollout's progress and per-tenant status; 404 when unknown. */
export async function rolloutProgress(ctx: AppContext, id: number, tenantStatus?: RolloutTenantStatus[]): Promise<RolloutView> {
  const view = await getRollout(ctx.db, id, { tenantStatus });
  if (!view) throw errors.notFound(`Rollout ${id} does not exist`, ErrorCode.NotFound);
  return view;
}

/** Recent rollouts, newest first, without per-tenant detail. */
export async function listRollouts(ctx: AppContext, limit: number) {
  const [rows] = await ctx.db.query<RowDataPacket[]>(
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

/** Drift of every active and suspended tenant against the template. */
export async function driftReport(ctx: AppContext, opts: { tenantCode?: string; onlyDrifted?: boolean }): Promise<DriftReport> {
  const report = await schemaDriftReport({
    controlDb: ctx.db,
    defaultTarget: mysqlTargetFromConfig(ctx.config),
    templateDb: ctx.config.TEMPLATE_DB_NAME,
    tenantCodes: opts.tenantCode ? [opts.tenantCode] : undefined,
  });
  return opts.onlyDrifted ? { ...report, tenants: report.tenants.filter((t) => !t.inSync) } : report;
}
