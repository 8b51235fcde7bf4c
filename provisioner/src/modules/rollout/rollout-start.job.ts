import type { Job } from 'bullmq';
import { QUEUES, ROLLOUT_JOBS, type RolloutStartJob } from '@kg/shared';
import type { JobHandler } from '../../jobs/job';
import { startRollout } from './rollout.service';

/** Migrates the template, then fans the rollout out to the tenants (see startRollout). */
export const rolloutStartJob: JobHandler<RolloutStartJob, { status: string; tenants: number }> = {
  queue: QUEUES.rollout,
  name: ROLLOUT_JOBS.start,
  concurrency: (config) => config.ROLLOUT_CONCURRENCY,
  handle: (job: Job<RolloutStartJob>, ctx) => startRollout(ctx, job.data.rolloutId),
};
