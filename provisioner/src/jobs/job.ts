import type { Job, JobsOptions } from 'bullmq';
import type { ProvisionerContext } from '../context';

/**
 * One job kind (STYLE: a job class per file with its queue name, options and handle()).
 * Delivery is at least once: handle() must be idempotent.
 */
export interface JobHandler<T = unknown, R = unknown> {
  queue: string;
  name: string;
  defaultOptions?: JobsOptions;
  handle(job: Job<T>, ctx: ProvisionerContext): Promise<R>;
}

/** A node-cron schedule run by every provisioner replica; the job it enqueues must be de-duplicated. */
export interface Schedule {
  name: string;
  cron: string;
  run(ctx: ProvisionerContext): Promise<void>;
}
