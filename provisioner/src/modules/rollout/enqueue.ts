import { QUEUES, ROLLOUT_JOBS, rolloutJobOptions, type RolloutRequest, type RolloutStartJob } from '@kg/shared';
import type { ProvisionerContext } from '../../context';
import { withQueue } from '../cleanup/queue';
import { createRollout } from './rollout.repository';

/** Records a rollout and enqueues its start job (the CLI's path; the API does the same). */
export async function requestRollout(ctx: ProvisionerContext, req: RolloutRequest): Promise<{ rolloutId: number; jobId: string }> {
  const rolloutId = await createRollout(ctx.db, req);
  const opts = rolloutJobOptions.start(rolloutId);
  await withQueue(ctx, QUEUES.rollout, (queue) => queue.add(ROLLOUT_JOBS.start, { rolloutId } satisfies RolloutStartJob, opts));
  const jobId = opts.jobId;
  return { rolloutId, jobId };
}
