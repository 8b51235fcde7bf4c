import { BILLING_JOBS, QUEUES } from '@kg/shared';
import type { ProvisionerContext } from '../../context';
import type { Schedule } from '../../jobs/job';
import { withQueue } from '../cleanup/queue';
import { previousDay, previousMonth } from './period';

/** Kept long enough that a period's job id still de-duplicates after the job completed. */
const KEEP_SECONDS = 40 * 86_400;

/**
 * Enqueues `jobName` for `period` at most once across every replica: a Redis SET NX claims the
 * period, and the job id (`<job>-<period>`) de-duplicates again inside BullMQ (the same way as
 * the daily cleanup, docs/provisioning.md). Returns the job id when this call enqueued it, else null.
 */
export async function enqueueForPeriod(ctx: ProvisionerContext, jobName: string, period: string, data: object): Promise<string | null> {
  const marker = `${ctx.config.REDIS_KEY_PREFIX}schedule:${jobName}:${period}`;
  const claimed = await ctx.redis.set(marker, String(process.pid), 'EX', KEEP_SECONDS, 'NX');
  if (claimed !== 'OK') return null;
  try {
    const jobId = `${jobName}-${period}`;
    await withQueue(ctx, QUEUES.billing, (queue) =>
      queue.add(jobName, data, {
        jobId,
        attempts: ctx.config.PROVISIONER_MAX_ATTEMPTS,
        backoff: { type: 'exponential', delay: ctx.config.PROVISIONER_BACKOFF_MS },
        removeOnComplete: { age: KEEP_SECONDS },
        removeOnFail: { age: KEEP_SECONDS },
      }),
    );
    ctx.logger.info({ jobId }, 'billing job enqueued');
    return jobId;
  } catch (err) {
    // Let the next tick (or another replica) try again.
    await ctx.redis.del(marker).catch(() => undefined);
    throw err;
  }
}

/** USAGE_ROLLUP_CRON: summarises yesterday's (UTC) AI calls. */
export const usageRollupSchedule: Schedule = {
  name: 'usage-rollup',
  cron: (config) => config.USAGE_ROLLUP_CRON,
  async run(ctx) {
    const day = previousDay();
    await enqueueForPeriod(ctx, BILLING_JOBS.usageRollup, day, { day });
  },
};

/** BILLING_CRON: bills last (UTC) month. */
export const monthlyBillingSchedule: Schedule = {
  name: 'monthly-billing',
  cron: (config) => config.BILLING_CRON,
  async run(ctx) {
    const month = previousMonth();
    await enqueueForPeriod(ctx, BILLING_JOBS.monthlyBilling, month, { month });
  },
};
