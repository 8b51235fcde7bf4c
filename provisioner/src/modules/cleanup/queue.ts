import { Queue } from 'bullmq';
import type { ProvisionerContext } from '../../context';

/**
 * Runs `fn` with a producer on one of this deployment's queues, closed afterwards. Producers are
 * short-lived: schedules and fan-out jobs enqueue rarely, and a closed producer holds nothing.
 */
export async function withQueue<T>(ctx: ProvisionerContext, name: string, fn: (queue: Queue) => Promise<T>): Promise<T> {
  const queue = new Queue(name, { connection: ctx.bullConnection, prefix: ctx.bullPrefix });
  try {
    return await fn(queue);
  } finally {
    await queue.close().catch(() => undefined);
  }
}

/** UTC calendar day, the de-duplication key of daily runs. */
export function utcDay(d: Date = new Date()): string {
  return d.toISOString().slice(0, 10);
}
