import type { Queue } from 'bullmq';
import { CREATE_TENANT_JOB, createJobId, createPipelineJobOptions, type CreateTenantJob } from '@kg/shared';
import type { ProvisionerContext } from '../../context';
import { findProvisioningActivity } from '../tenants/tenant.repository';
import { failTenantGivenUp } from './gave-up';
import { jobPresence, requeue } from './job-presence';
import type { ReconcileAction } from './reconcile.metrics';
import { seconds } from './reasons';

/**
 * Tenants stuck in `provisioning` (docs/recovery.md, "Tenants"): for each one without progress
 * for PROVISIONER_STUCK_AFTER_MS, a live create job means it is only slow and is left alone; a
 * job BullMQ gave up on fails the tenant with BullMQ's reason; a missing (or completed) job is
 * enqueued again under the same id, and the pipeline resumes at the first step not completed.
 */
export async function reconcileProvisioning(ctx: ProvisionerContext, lifecycle: Queue, found: (a: ReconcileAction) => void): Promise<void> {
  for (const tenant of await findProvisioningActivity(ctx.db)) {
    if (tenant.idleMs < ctx.config.PROVISIONER_STUCK_AFTER_MS) continue;
    const { tenantCode } = tenant;
    const jobId = createJobId(tenantCode);
    const presence = await jobPresence(lifecycle, jobId);
    if (presence.state === 'live') continue;
    if (presence.state === 'failed') {
      const { job } = presence;
      const reason = `job ${jobId} failed after ${job.attemptsMade} attempt(s): ${job.failedReason ?? 'no reason recorded'}`;
      if (await failTenantGivenUp(ctx, tenantCode, reason)) found({ kind: 'create_failed', reason, tenantCode, jobId });
      continue;
    }
    const options = createPipelineJobOptions(tenantCode, {
      attempts: ctx.config.PROVISIONER_MAX_ATTEMPTS,
      backoffMs: ctx.config.PROVISIONER_BACKOFF_MS,
    });
    const data: CreateTenantJob = { tenantCode, requestedBy: 'reconciler' };
    if (await requeue(lifecycle, CREATE_TENANT_JOB, data, options)) {
      const job = presence.state === 'missing' ? 'no create job' : 'its create job completed';
      found({ kind: 'create_requeued', reason: `${job}, no progress for ${seconds(tenant.idleMs)}`, tenantCode, jobId });
    }
  }
}
