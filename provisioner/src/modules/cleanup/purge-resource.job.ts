import type { Job } from 'bullmq';
import { CLEANUP_JOBS, QUEUES, type PurgeResourceJob } from '@kg/shared';
import type { JobHandler } from '../../jobs/job';
import { purgeResource, type PurgeOutcome } from './purge.service';

/**
 * Purges one cleanup row. A failed attempt is recorded on the row (retry_count) and thrown, so
 * BullMQ retries it with backoff; the last allowed failure marks the row failed and ends the job.
 */
export const purgeResourceJob: JobHandler<PurgeResourceJob, PurgeOutcome> = {
  queue: QUEUES.cleanup,
  name: CLEANUP_JOBS.purgeResource,
  async handle(job: Job<PurgeResourceJob>, ctx) {
    const result = await purgeResource(ctx, job.data.cleanupId);
    if (result.outcome === 'retry') throw new Error(`purge attempt ${result.retryCount} failed: ${result.error}`);
    return result;
  },
};
