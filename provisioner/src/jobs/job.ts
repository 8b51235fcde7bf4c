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
  /**
   * Called once BullMQ has given up on a job (last attempt failed, an unrecoverable error, or
   * too many stalls: then handle() never ran), so no record stays in a state that waits for it.
   */
  onFinalFailure?(job: Job<T>, err: Error, ctx: ProvisionerContext): Promise<void>;
}

/** True when BullMQ will not retry this failed job (the 'failed' event fires on every attempt). */
export function isFinalFailure(job: Job, err: Error): boolean {
  return err.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
}

/** A node-cron schedule run by every provisioner replica; the job it enqueues must be de-duplicated. */
export interface Schedule {
  name: string;
  /** A cron expression, or one read from the config (e.g. CLEANUP_CRON). */
  cron: string | ((config: ProvisionerContext['config']) => string);
  run(ctx: ProvisionerContext): Promise<void>;
}
