import { Queue, type JobsOptions } from 'bullmq';
import { Redis, bullPrefix, currentRequestId } from '@kg/shared';
import type { AppContext } from '../context';

/**
 * Adds one job to a provisioner queue. Operator actions that enqueue are rare, so a short-lived
 * producer is opened and closed per call instead of holding queue connections in every process.
 * With a `jobId`, BullMQ ignores a second add while the first job is still kept: that is how
 * callers de-duplicate.
 */
export async function enqueue<T>(
  ctx: AppContext,
  queueName: string,
  jobName: string,
  data: T,
  opts: JobsOptions = {},
): Promise<string> {
  const connection = new Redis(ctx.config.REDIS_URL, { maxRetriesPerRequest: null, connectTimeout: 3000 });
  connection.on('error', () => undefined);
  const queue = new Queue(queueName, { connection, prefix: bullPrefix(ctx.config.REDIS_KEY_PREFIX) });
  try {
    // The request that enqueued the job travels with it, so the worker's log lines name it.
    const requestId = currentRequestId();
    const payload = requestId && data && typeof data === 'object' ? { ...data, requestId } : data;
    const job = await queue.add(jobName, payload, opts);
    return String(job.id);
  } finally {
    await queue.close().catch(() => undefined);
    connection.disconnect();
  }
}
