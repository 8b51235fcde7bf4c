import express from 'express';
import { Worker } from 'bullmq';
import cron from 'node-cron';
import { ConfigError, checkHealth, sendHealth, createShutdown, listen, runWithRequestId, signalReady } from '@kg/shared';
import { loadConfig } from '../config';
import type { ProvisionerContext } from '../context';
import { buildContext, closeContext } from '../internal/build-context';
import { registerOperationsMetrics } from '../internal/operations-metrics';
import { registerQueueMetrics } from '../internal/queue-metrics';
import { isFinalFailure } from '../jobs/job';
import { jobHandlers, schedules } from '../jobs/registry';
import { createReconciler } from '../modules/reconcile/reconciler';

/** Starts one BullMQ Worker per queue, dispatching by job name to the registered handlers. */
export function startWorkers(ctx: ProvisionerContext): Worker[] {
  const byQueue = new Map<string, Map<string, (typeof jobHandlers)[number]>>();
  for (const h of jobHandlers) {
    if (!byQueue.has(h.queue)) byQueue.set(h.queue, new Map());
    byQueue.get(h.queue)!.set(h.name, h);
  }
  const workers: Worker[] = [];
  for (const [queue, handlers] of byQueue) {
    const worker = new Worker(
      queue,
      async (job) => {
        const handler = handlers.get(job.name);
        if (!handler) throw new Error(`No handler for job ${job.name} on ${queue}`);
        // Log lines of the job carry the id of the request that enqueued it (request-id.ts).
        const requestId = (job.data as { requestId?: unknown } | undefined)?.requestId;
        return runWithRequestId(typeof requestId === 'string' ? requestId : undefined, () => handler.handle(job, ctx));
      },
      {
        connection: ctx.bullConnection,
        prefix: ctx.bullPrefix,
        concurrency: Math.max(ctx.config.PROVISIONER_CONCURRENCY, ...[...handlers.values()].map((h) => h.concurrency?.(ctx.config) ?? 0)),
        lockDuration: ctx.config.PROVISIONER_LOCK_MS,
        stalledInterval: ctx.config.PROVISIONER_STALLED_INTERVAL_MS,
        maxStalledCount: ctx.config.PROVISIONER_MAX_STALLED_COUNT,
      },
    );
    worker.on('failed', (job, err) => {
      ctx.logger.warn({ queue, job: job?.name, jobId: job?.id, reqId: (job?.data as { requestId?: string } | undefined)?.requestId, attempt: job?.attemptsMade, err: err.message }, 'job failed');
      const handler = job && handlers.get(job.name);
      if (job && handler?.onFinalFailure && isFinalFailure(job, err)) {
        handler.onFinalFailure(job, err, ctx).catch((e) =>
          ctx.logger.error({ queue, jobId: job.id, err: (e as Error).message }, 'final failure hook failed; the reconciler retries it'),
        );
      }
    });
    worker.on('error', (err) => ctx.logger.error({ queue, err: err.message }, 'worker error'));
    workers.push(worker);
  }
  return workers;
}

/** Registers node-cron schedules; each replica runs them, and each run de-duplicates its enqueue. */
export function startSchedules(ctx: ProvisionerContext): Array<{ stop: () => unknown }> {
  return schedules.map((s) =>
    cron.schedule(typeof s.cron === 'function' ? s.cron(ctx.config) : s.cron, () => {
      s.run(ctx).catch((err) => ctx.logger.error({ schedule: s.name, err: (err as Error).message }, 'schedule failed'));
    }),
  );
}

/**
 * How long shutdown waits for in-flight jobs before giving up. PM2's kill_timeout for the
 * provisioner (ecosystem.config.js) is 5 s longer, so PM2 never kills a worker that is still
 * finishing a job within this limit.
 */
export const SHUTDOWN_LIMIT_MS = 55_000;

async function main(): Promise<void> {
  const config = loadConfig();
  const ctx = await buildContext(config);
  const workers = startWorkers(ctx);
  const tasks = startSchedules(ctx);
  const reconciler = createReconciler(ctx);
  reconciler.start();
  const shutdown = createShutdown(ctx.logger, SHUTDOWN_LIMIT_MS);
  if (config.PROVISIONER_METRICS_PORT > 0) {
    const app = express();
    app.use(ctx.metrics.router);
    shutdown.add('queue metrics', registerQueueMetrics(ctx, workers.map((w) => w.name)));
    registerOperationsMetrics(ctx);
    app.get('/api/health', async (_req, res) => {
      sendHealth(res, await checkHealth(ctx.db, ctx.redis));
    });
    const server = await listen(app, config.PROVISIONER_METRICS_PORT, '127.0.0.1');
    shutdown.add('metrics http', () => server.close(1000));
  }
  ctx.logger.info({ queues: workers.map((w) => w.name), schedules: tasks.length }, 'provisioner started');
  shutdown.add('schedules', async () => tasks.forEach((t) => t.stop()));
  shutdown.add('reconciler', () => reconciler.stop());
  // close() waits for in-flight jobs to finish: a graceful stop never leaves a step half done.
  shutdown.add('workers', () => Promise.all(workers.map((w) => w.close())));
  shutdown.add('context', () => closeContext(ctx));
  shutdown.installSignalHandlers();
  signalReady();
}

if (require.main === module) {
  main().catch((err) => {
    if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
    else process.stderr.write(`provisioner failed to start: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  });
}
