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
} from '@kg/shared';
import type { AppContext } from '../../context';
import { enqueue } from '../../internal/enqueue';
import { appendAudit, type AuditActor } from '../audit/audit.service';
import { controlPlaneServerTarget } from '../tenants/tenant.service';
import { listRecentRollouts, markRolloutFailed, type RolloutSummary } from './rollout.repository';

export interface StartRolloutInput {
  canarySize: number;
  concurrency?: number;
}

/**
 * Starts a schema rollout (docs/control-plane.md, "Lifecycle API"): records it and enqueues its
 * start job; the provisioner migrates the template first, then every active and suspended tenant.
 * 409 while another runs.
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
    await markRolloutFailed(ctx.db, rolloutId, `could not enqueue: ${(err as Error).message}`);
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
export function listRollouts(ctx: AppContext, limit: number): Promise<RolloutSummary[]> {
  return listRecentRollouts(ctx.db, limit);
}

/** Drift of every active and suspended tenant against the template. */
export async function driftReport(ctx: AppContext, opts: { tenantCode?: string; onlyDrifted?: boolean }): Promise<DriftReport> {
  const report = await schemaDriftReport({
    controlDb: ctx.db,
    defaultTarget: mysqlTargetFromConfig(ctx.config),
    targetOf: (server) => controlPlaneServerTarget(ctx, server),
    templateDb: ctx.config.TEMPLATE_DB_NAME,
    tenantCodes: opts.tenantCode ? [opts.tenantCode] : undefined,
  });
  return opts.onlyDrifted ? { ...report, tenants: report.tenants.filter((t) => !t.inSync) } : report;
}
