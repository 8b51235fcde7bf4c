import type { Queue } from 'bullmq';
import { ROLLOUT_JOBS, rolloutJobOptions, type RolloutStartJob, type RolloutTenantJob } from '@kg/shared';
import type { ProvisionerContext } from '../../context';
import { advance } from '../rollout/rollout.service';
import { requeue } from './job-presence';
import type { ReconcileAction } from './reconcile.metrics';
import { findOpenRollouts, findUnfinishedRolloutTenants } from '../rollout/rollout.repository';
import { seconds } from './reasons';

/**
 * Rollouts that stopped moving (docs/recovery.md, "Schema rollouts"): after
 * PROVISIONER_STUCK_AFTER_MS without any tenant starting or finishing, a rollout still pending or
 * migrating the template gets its start job again; one fanned out gets a job for every tenant
 * of the current batch neither done nor queued (and its global concurrency back, which lived in
 * Redis); one whose batch is all done but which never moved on is advanced.
 */
export async function reconcileRollouts(ctx: ProvisionerContext, rollout: Queue, found: (a: ReconcileAction) => void): Promise<void> {
  for (const r of await findOpenRollouts(ctx.db)) {
    if (r.idleMs < ctx.config.PROVISIONER_STUCK_AFTER_MS || r.phase === 'done') continue;
    const idle = `no progress for ${seconds(r.idleMs)}`;
    if (r.status === 'pending' || r.phase === 'template') {
      const options = rolloutJobOptions.start(r.id);
      if (await requeue(rollout, ROLLOUT_JOBS.start, { rolloutId: r.id } satisfies RolloutStartJob, options)) {
        found({ kind: 'rollout_requeued', reason: `${r.status} in phase ${r.phase} without a start job, ${idle}`, rolloutId: r.id, jobId: options.jobId });
      }
      continue;
    }
    const unfinished = await findUnfinishedRolloutTenants(ctx.db, r.id, r.phase);
    if (!unfinished.length) {
      await advance(ctx, r.id);
      found({ kind: 'rollout_advanced', reason: `every tenant of phase ${r.phase} is done but the rollout did not move on, ${idle}`, rolloutId: r.id });
      continue;
    }
    const requeued: string[] = [];
    for (const tenantCode of unfinished) {
      const data: RolloutTenantJob = { rolloutId: r.id, tenantCode };
      if (await requeue(rollout, ROLLOUT_JOBS.tenant, data, rolloutJobOptions.tenant(r.id, tenantCode))) requeued.push(tenantCode);
    }
    if (!requeued.length) continue;
    await rollout.setGlobalConcurrency(r.concurrency);
    const list = requeued.length > 10 ? `${requeued.slice(0, 10).join(', ')} and ${requeued.length - 10} more` : requeued.join(', ');
    found({ kind: 'rollout_requeued', reason: `${requeued.length} tenant(s) neither done nor queued (${list}), ${idle}`, rolloutId: r.id });
  }
}
