import { Queue } from 'bullmq';
import type { ProvisionerContext } from '../context';

/**
 * `provisioner_queue_jobs{queue,state}`: jobs waiting, active, delayed and failed per queue,
 * read from Redis when /metrics is scraped, so operators see queue depths. Returns a closer.
 */
export function registerQueueMetrics(ctx: ProvisionerContext, queueNames: string[]): () => Promise<void> {
  const queues = [...new Set(queueNames)].map((name) => new Queue(name, { connection: ctx.bullConnection, prefix: ctx.bullPrefix }));
  new ctx.metrics.client.Gauge({
    name: 'provisioner_queue_jobs',
    help: 'Jobs per provisioner queue and state',
    labelNames: ['queue', 'state'] as const,
    registers: [ctx.metrics.registry],
    async collect() {
      this.reset();
      for (const q of queues) {
        const counts = await q.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized', 'waiting-children');
        for (const [state, n] of Object.entries(counts)) this.set({ queue: q.name, state }, n);
      }
    },
  });
  return async () => {
    await Promise.all(queues.map((q) => q.close().catch(() => undefined)));
  };
}
