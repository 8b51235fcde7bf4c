import type { Job } from 'bullmq';
import { UnrecoverableError } from 'bullmq';
import { BILLING_JOBS, QUEUES, type MonthlyBillingJob, type UsageRollupJob } from '@kg/shared';
import type { JobHandler } from '../../jobs/job';
import { billMonth, type MonthlyBillingResult } from './monthly-billing';
import { isDay, isMonth } from './period';
import { rollUpDay } from './usage-rollup';

/** One day's AI usage roll-up (idempotent; docs/ai-billing.md, "Usage roll-up and monthly bills"). */
export const usageRollupJob: JobHandler<UsageRollupJob, { day: string; rows: number }> = {
  queue: QUEUES.billing,
  name: BILLING_JOBS.usageRollup,
  handle: async (job: Job<UsageRollupJob>, ctx) => {
    if (!isDay(job.data.day)) throw new UnrecoverableError(`not a day: ${job.data.day}`);
    return rollUpDay(ctx, job.data.day);
  },
};

/** One month's bills (idempotent). */
export const monthlyBillingJob: JobHandler<MonthlyBillingJob, MonthlyBillingResult> = {
  queue: QUEUES.billing,
  name: BILLING_JOBS.monthlyBilling,
  handle: async (job: Job<MonthlyBillingJob>, ctx) => {
    if (!isMonth(job.data.month)) throw new UnrecoverableError(`not a month: ${job.data.month}`);
    return billMonth(ctx, job.data.month);
  },
};
