import type { Job, JobsOptions } from 'bullmq';
import type { ProvisionerContext } from '../context';

/**
 * One job kind, one per file, with its queue name, options and handle() (docs/provisioning.md, Layers).
 * Delivery is at least once: handle() must be idempotent.
 */
export interface JobHandler<T = unknown, R = unknown> {
  queue: string;
  name: string;
  defaultOptions?: JobsOptions;
  /** Jobs of this queue one process runs at once (default PROVISIONER_CONCURRENCY; the largest of a queue's handlers wins). */
  concurrency?: (config: ProvisionerContext['config']) => number;
  handle(job: Job<T>, ctx: ProvisionerContext): Promise<R>;
}

/** A node-cron schedule run by every provisioner replica; the job it enqueues must be de-duplicated. */
export interface Schedule {
  name: string;
  /** A cron expression, or one read from the config (e.g. CLEANUP_CRON). */
  cron: string | ((config: ProvisionerContext['config']) => string);
  run(ctx: ProvisionerContext): Promise<void>;
}
