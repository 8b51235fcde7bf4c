import type { Job } from 'bullmq';
import { QUEUES, ROLLOUT_JOBS, type RolloutTenantJob } from '@kg/shared';
import type { JobHandler } from '../../jobs/job';
import { migrateTenant, type TenantRolloutResult } from './rollout.service';

/** Applies pending template migrations to one tenant database. */
export const rolloutTenantJob: JobHandler<RolloutTenantJob, TenantRolloutResult> = {
  queue: QUEUES.rollout,
  name: ROLLOUT_JOBS.tenant,
  concurrency: (config) => config.ROLLOUT_CONCURRENCY,
  handle: (job: Job<RolloutTenantJob>, ctx) => migrateTenant(ctx, job.data.rolloutId, job.data.tenantCode),
};
