import { CLEANUP_JOBS, QUEUES, type PurgeRunJob } from '@kg/shared';
import type { ProvisionerContext } from '../../context';
import type { Schedule } from '../../jobs/job';
import { utcDay, withQueue } from './queue';

/** Kept long enough that the day's job id still de-duplicates after the job completed. */
const KEEP_SECONDS = 3 * 86_400;

/**
 * Enqueues `jobName` at most once per UTC day across every replica: a Redis SET NX claims the
 * day, and the job id (`<job>-YYYY-MM-DD`) de-duplicates again inside BullMQ.
 * Returns the job id when this call enqueued it, else null.
 */
export async function enqueueDaily(ctx: ProvisionerContext, jobName: string, day = utcDay()): Promise<string | null> {
  const marker = `${ctx.config.REDIS_KEY_PREFIX}schedule:${jobName}:${day}`;
  const claimed = await ctx.redis.set(marker, String(process.pid), 'EX', KEEP_SECONDS, 'NX');
  if (claimed !== 'OK') return null;
  try {
    const jobId = `${jobName}-${day}`;
    await withQueue(ctx, QUEUES.cleanup, (queue) =>
      queue.add(jobName, { trigger: 'schedule' } satisfies PurgeRunJob, {
        jobId,
        removeOnComplete: { age: KEEP_SECONDS },
        removeOnFail: { age: 30 * 86_400 },
      }),
    );
    ctx.logger.info({ jobId }, 'daily cleanup enqueued');
    return jobId;
  } catch (err) {
    // Let the next tick (or another replica) try again today.
    await ctx.redis.del(marker).catch(() => undefined);
    throw err;
  }
}

/** CLEANUP_CRON: the daily purge of due resources and the temp/ file cleanup. */
export const dailyCleanupSchedule: Schedule = {
  name: 'daily-cleanup',
  cron: (config) => config.CLEANUP_CRON,
  async run(ctx) {
    await enqueueDaily(ctx, CLEANUP_JOBS.purgeRun);
    await enqueueDaily(ctx, CLEANUP_JOBS.tempCleanup);
  },
};
