import { Queue } from 'bullmq';
import { QUEUES } from '@kg/shared';
import type { ProvisionerContext } from '../../context';
import { reconcileCleanup } from './cleanup.reconcile';
import { reconcileProvisioning } from './provisioning.reconcile';
import { tryReconcileLock } from './reconcile.lock';
import { recordReconciliation, registerReconcileMetrics, type ReconcileAction } from './reconcile.metrics';
import { reconcileRollouts } from './rollout.reconcile';

export interface ReconcileReport {
  /** False when another replica held the lock and this run did nothing. */
  ran: boolean;
  actions: ReconcileAction[];
}

export interface Reconciler {
  /** One pass over tenants, cleanup entries and rollouts (skipped while another replica runs one). */
  runOnce(): Promise<ReconcileReport>;
  /** Runs now and then every RECONCILE_INTERVAL_MS (never two runs of this process at once). */
  start(): void;
  /** Stops the schedule, waits for a run in progress, closes the queues. */
  stop(): Promise<void>;
}

/**
 * The reconciler (docs/recovery.md): puts right work whose BullMQ job was lost (Redis lost its
 * data, failed over to a lagging replica, evicted keys) or given up on. It reads the records in
 * MySQL, which survive such a loss, and re-enqueues under the original job ids, so a job that
 * still exists is never duplicated and every handler resumes where its records say.
 */
export function createReconciler(ctx: ProvisionerContext): Reconciler {
  const queue = (name: string) => new Queue(name, { connection: ctx.bullConnection, prefix: ctx.bullPrefix });
  const queues = { lifecycle: queue(QUEUES.lifecycle), cleanup: queue(QUEUES.cleanup), rollout: queue(QUEUES.rollout) };
  for (const q of Object.values(queues)) q.on('error', (err) => ctx.logger.warn({ queue: q.name, err: err.message }, 'reconciler queue error'));
  registerReconcileMetrics(ctx);
  const parts: Array<[string, (found: (a: ReconcileAction) => void) => Promise<void>]> = [
    ['provisioning', (found) => reconcileProvisioning(ctx, queues.lifecycle, found)],
    ['cleanup', (found) => reconcileCleanup(ctx, queues.cleanup, found)],
    ['rollouts', (found) => reconcileRollouts(ctx, queues.rollout, found)],
  ];
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;

  async function runOnce(): Promise<ReconcileReport> {
    const release = await tryReconcileLock(ctx);
    if (!release) return { ran: false, actions: [] };
    const actions: ReconcileAction[] = [];
    const found = (action: ReconcileAction) => {
      actions.push(action);
      recordReconciliation(ctx, action);
    };
    try {
      for (const [part, run] of parts) {
        // One part failing (Redis still unreachable, say) must not keep the others from running.
        await run(found).catch((err) => ctx.logger.error({ part, err: (err as Error).message }, 'reconcile part failed'));
      }
    } finally {
      await release();
    }
    if (actions.length) ctx.logger.info({ reconciled: actions.length }, 'reconcile run finished');
    return { ran: true, actions };
  }

  const tick = async () => {
    running = runOnce().catch((err) => ctx.logger.error({ err: (err as Error).message }, 'reconcile run failed'));
    await running;
    if (!stopped) timer = setTimeout(tick, ctx.config.RECONCILE_INTERVAL_MS);
  };

  return {
    runOnce,
    start() {
      if (ctx.config.RECONCILE_INTERVAL_MS > 0 && !stopped && !running) void tick();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      await Promise.all(Object.values(queues).map((q) => q.close().catch(() => undefined)));
    },
  };
}
