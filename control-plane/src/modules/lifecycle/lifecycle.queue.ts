import { Queue } from 'bullmq';
import { bullPrefix, CREATE_TENANT_JOB, createJobId, createPipelineJobOptions, QUEUES, type CreateTenantJob } from '@kg/shared';
import type { AppContext } from '../../context';

const LIVE_STATES = new Set(['active', 'waiting', 'delayed', 'prioritized', 'waiting-children']);

const queues = new WeakMap<AppContext, Queue>();

/**
 * The lifecycle queue's producer of this process, on the context's own Redis client (so it
 * owns no connection and needs no closing: closeContext disconnects that client). A new
 * connection per request would pay connection set-up and BullMQ's script loading on every
 * create, which is a visible share of provisioning time.
 */
function lifecycleQueue(ctx: AppContext): Queue {
  let queue = queues.get(ctx);
  if (!queue) {
    queue = new Queue(QUEUES.lifecycle, { connection: ctx.redis, prefix: bullPrefix(ctx.config.REDIS_KEY_PREFIX) });
    queue.on('error', (err) => ctx.logger.warn({ err: err.message }, 'lifecycle queue error'));
    queues.set(ctx, queue);
  }
  return queue;
}

async function withLifecycleQueue<T>(ctx: AppContext, fn: (queue: Queue) => Promise<T>): Promise<T> {
  return fn(lifecycleQueue(ctx));
}

/**
 * Enqueues a tenant's create pipeline: jobId create-{code} (BullMQ ignores a second add while
 * the job exists), PROVISIONER_MAX_ATTEMPTS attempts with exponential backoff. A finished job
 * left in the queue from an earlier run is removed first (a retry), a live one is kept.
 * Returns the job id and whether a pipeline was already live.
 */
export async function enqueueCreatePipeline(
  ctx: AppContext,
  data: CreateTenantJob,
): Promise<{ jobId: string; alreadyLive: boolean }> {
  const jobId = createJobId(data.tenantCode);
  return withLifecycleQueue(ctx, async (queue) => {
    const existing = await queue.getJob(jobId);
    if (existing) {
      const state = await existing.getState();
      if (LIVE_STATES.has(state)) return { jobId, alreadyLive: true };
      await existing.remove();
    }
    await queue.add(
      CREATE_TENANT_JOB,
      data,
      createPipelineJobOptions(data.tenantCode, { attempts: ctx.config.PROVISIONER_MAX_ATTEMPTS, backoffMs: ctx.config.PROVISIONER_BACKOFF_MS }),
    );
    return { jobId, alreadyLive: false };
  });
}

/** True when the tenant's create job is waiting, delayed or running. */
export async function createPipelineLive(ctx: AppContext, tenantCode: string): Promise<boolean> {
  return withLifecycleQueue(ctx, async (queue) => {
    const job = await queue.getJob(createJobId(tenantCode));
    return !!job && LIVE_STATES.has(await job.getState());
  });
}
