import { UnrecoverableError, type Job } from 'bullmq';
import { CREATE_TENANT_JOB, isTenantCode, QUEUES, type CreateTenantJob } from '@kg/shared';
import type { JobHandler } from '../../jobs/job';
import { failTenant, runCreatePipeline, type PipelineResult } from './pipeline';
import { failTenantGivenUp } from '../reconcile/gave-up';
import { recordReconciliation } from '../reconcile/reconcile.metrics';

/**
 * The tenant create pipeline (docs/provisioning.md, The create pipeline) on the lifecycle queue.
 * The control plane enqueues it with jobId create-{tenantCode}, attempts and exponential backoff;
 * a worker killed mid-step loses its lock and another worker takes the job over, resuming at
 * that step.
 */
export const createTenantJob: JobHandler<CreateTenantJob, PipelineResult> = {
  queue: QUEUES.lifecycle,
  name: CREATE_TENANT_JOB,
  async handle(job: Job<CreateTenantJob>, ctx) {
    const tenantCode = job.data?.tenantCode;
    if (typeof tenantCode !== 'string' || !isTenantCode(tenantCode)) {
      throw new UnrecoverableError(`Invalid tenant code ${JSON.stringify(tenantCode)}`);
    }
    const run = { jobId: job.id, attempt: job.attemptsMade + 1, maxAttempts: job.opts.attempts ?? 1 };
    try {
      return await runCreatePipeline(ctx, tenantCode, run);
    } catch (err) {
      // Step failures mark the tenant themselves; this covers the last attempt failing outside a
      // step (the tenant lock never obtained, the control database unreachable at start...).
      if (!(err instanceof UnrecoverableError) && run.attempt >= run.maxAttempts) {
        await failTenant(ctx, tenantCode, 'pipeline', (err as Error).message).catch(() => undefined);
      }
      throw err;
    }
  },
  async onFinalFailure(job, err, ctx) {
    // Covers what handle() cannot: a job failed for stalling too often never runs it again.
    const code = job.data?.tenantCode;
    if (typeof code !== 'string' || !isTenantCode(code)) return;
    const reason = `job ${job.id} gave up after ${job.attemptsMade} attempt(s): ${err.message}`;
    if (await failTenantGivenUp(ctx, code, reason)) recordReconciliation(ctx, { kind: 'create_failed', reason, tenantCode: code, jobId: job.id });
  },
};
