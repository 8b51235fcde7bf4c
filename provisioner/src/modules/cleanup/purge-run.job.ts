import type { Job } from 'bullmq';
import { CLEANUP_JOBS, QUEUES, type PurgeResourceJob, type PurgeRunJob } from '@kg/shared';
import type { ProvisionerContext } from '../../context';
import type { JobHandler } from '../../jobs/job';
import { listTenantCodesDueForPurge } from '../tenants/tenant.repository';
import { findDueCleanup } from './cleanup.repository';
import { withQueue } from './queue';

/** BullMQ job id of a resource's purge: one job per cleanup row while it is queued or retrying. */
export const purgeResourceJobId = (cleanupId: number) => `purge-resource-${cleanupId}`;

/** BullMQ options of a resource's purge job: CLEANUP_MAX_RETRIES attempts with exponential backoff. */
export function purgeResourceJobOptions(config: ProvisionerContext['config'], cleanupId: number) {
  return {
    jobId: purgeResourceJobId(cleanupId),
    attempts: config.CLEANUP_MAX_RETRIES,
    backoff: { type: 'exponential' as const, delay: config.CLEANUP_RETRY_BACKOFF_MS },
    removeOnComplete: true,
    removeOnFail: true,
  };
}

/**
 * Enqueues every due cleanup row for all deleted tenants whose grace period is over, with
 * CLEANUP_MAX_RETRIES attempts and exponential backoff. Re-running is harmless: a row already
 * queued keeps its job (same job id), and each job re-checks the row before touching anything.
 */
export async function enqueueDuePurges(ctx: ProvisionerContext, trigger: string): Promise<{ enqueued: number; ids: number[] }> {
  const rows = await findDueCleanup(ctx.db, await listTenantCodesDueForPurge(ctx.db));
  if (rows.length) {
    await withQueue(ctx, QUEUES.cleanup, (queue) =>
      queue.addBulk(
        rows.map((r) => ({
          name: CLEANUP_JOBS.purgeResource,
          data: { cleanupId: r.id } satisfies PurgeResourceJob,
          opts: purgeResourceJobOptions(ctx.config, r.id),
        })),
      ),
    );
  }
  ctx.logger.info({ trigger, due: rows.length }, 'purge run enqueued due cleanup');
  return { enqueued: rows.length, ids: rows.map((r) => r.id) };
}

export const purgeRunJob: JobHandler<PurgeRunJob, { enqueued: number; ids: number[] }> = {
  queue: QUEUES.cleanup,
  name: CLEANUP_JOBS.purgeRun,
  handle: (job: Job<PurgeRunJob>, ctx) => enqueueDuePurges(ctx, job.data.trigger ?? 'unknown'),
};
