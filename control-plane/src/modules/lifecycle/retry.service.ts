import { errors, ErrorCode, withTransaction, type RowDataPacket } from '@kg/shared';
import type { AppContext } from '../../context';
import { appendAudit, type AuditActor } from '../audit/audit.service';
import { createPipelineLive, enqueueCreatePipeline } from './lifecycle.queue';

export interface RetryResult {
  tenantCode: string;
  jobId: string;
  status: 'provisioning';
  /** The step the pipeline resumes at (completed steps are not run again). */
  fromStep: string | null;
}

/**
 * POST /api/tenants/:code/retry: re-enqueues the create pipeline of a failed tenant (or of one
 * left provisioning with no live job, e.g. Redis was down when it was created). The failed step
 * goes back to pending; completed steps stay completed, so the pipeline resumes at that step.
 */
export async function retryTenant(ctx: AppContext, actor: AuditActor, code: string): Promise<RetryResult> {
  const live = await createPipelineLive(ctx, code);
  const fromStep = await withTransaction(ctx.db, async (conn) => {
    const [rows] = await conn.query<RowDataPacket[]>(
      'SELECT status, provisioning_error FROM tenants WHERE tenant_id = ? FOR UPDATE',
      [code],
    );
    const t = rows[0];
    if (!t) throw errors.notFound(`Tenant ${code} does not exist`, ErrorCode.TenantNotFound);
    if (t.status === 'provisioning' && live) {
      throw errors.conflict(`Tenant ${code} is being provisioned; its pipeline is still queued or running`, ErrorCode.TenantConflict);
    }
    if (t.status !== 'failed' && t.status !== 'provisioning') {
      throw errors.conflict(`Only a failed tenant can be retried; ${code} is ${t.status}`, ErrorCode.TenantConflict);
    }
    const [steps] = await conn.query<RowDataPacket[]>(
      `SELECT step_name FROM tenant_init_steps WHERE tenant_id = ? AND status <> 'completed' ORDER BY step_order LIMIT 1`,
      [code],
    );
    await conn.query("UPDATE tenants SET status = 'provisioning', provisioning_error = NULL WHERE tenant_id = ?", [code]);
    await conn.query("UPDATE tenant_init_steps SET status = 'pending' WHERE tenant_id = ? AND status IN ('failed', 'running')", [
      code,
    ]);
    await conn.query(
      "UPDATE tenant_init_progress SET status = 'pending', error_message = NULL, completed_at = NULL WHERE tenant_id = ?",
      [code],
    );
    const from = steps[0] ? String(steps[0].step_name) : null;
    await appendAudit(conn, ctx.secrets.auditKey, {
      ...actor,
      action: 'tenant.retry',
      tenantCode: code,
      targetType: 'tenant',
      targetId: code,
      before: { status: t.status, provisioningError: t.provisioning_error },
      after: { status: 'provisioning', fromStep: from },
    });
    return from;
  });
  const { jobId } = await enqueueCreatePipeline(ctx, { tenantCode: code, requestedBy: actor.actorName ?? undefined });
  return { tenantCode: code, jobId, status: 'provisioning', fromStep };
}
