import { errors, ErrorCode, withTransaction } from '@kg/shared';
import type { AppContext } from '../../context';
import { appendAudit, type AuditActor } from '../audit/audit.service';
import { lockTenant, restartProvisioning } from '../tenants/tenant.repository';
import { firstUnfinishedStep, resetUnfinishedSteps } from './lifecycle.repository';
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
export async function retryTenant(ctx: AppContext, actor: AuditActor, tenantCode: string): Promise<RetryResult> {
  const live = await createPipelineLive(ctx, tenantCode);
  const fromStep = await withTransaction(ctx.db, async (conn) => {
    const tenant = await lockTenant(conn, tenantCode);
    if (!tenant) throw errors.notFound(`Tenant ${tenantCode} does not exist`, ErrorCode.TenantNotFound);
    if (tenant.status === 'provisioning' && live) {
      throw errors.conflict(
        `Tenant ${tenantCode} is being provisioned; its pipeline is still queued or running`,
        ErrorCode.TenantConflict,
      );
    }
    if (tenant.status !== 'failed' && tenant.status !== 'provisioning') {
      throw errors.conflict(`Only a failed tenant can be retried; ${tenantCode} is ${tenant.status}`, ErrorCode.TenantConflict);
    }
    const from = await firstUnfinishedStep(conn, tenantCode);
    await restartProvisioning(conn, tenantCode);
    await resetUnfinishedSteps(conn, tenantCode);
    await appendAudit(conn, ctx.secrets.auditKey, {
      ...actor,
      action: 'tenant.retry',
      tenantCode,
      targetType: 'tenant',
      targetId: tenantCode,
      before: { status: tenant.status, provisioningError: tenant.provisioningError },
      after: { status: 'provisioning', fromStep: from },
    });
    return from;
  });
  const { jobId } = await enqueueCreatePipeline(ctx, { tenantCode, requestedBy: actor.actorName ?? undefined });
  return { tenantCode, jobId, status: 'provisioning', fromStep };
}
