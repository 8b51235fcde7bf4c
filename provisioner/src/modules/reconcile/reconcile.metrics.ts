import type { ProvisionerContext } from '../../context';
import { oldestProvisioningAgeSeconds } from '../tenants/tenant.repository';

/** What a reconciliation did (the `kind` label of provisioner_reconciled_total). */
export const RECONCILE_KINDS = [
  /** A provisioning tenant without a live create job got its job again. */
  'create_requeued',
  /** A create job BullMQ gave up on left its tenant provisioning: the tenant is now failed. */
  'create_failed',
  /** A cleanup entry in progress, or due and owed a job, without one got its purge job again. */
  'cleanup_requeued',
  /** A rollout's start job or tenant jobs were lost and enqueued again. */
  'rollout_requeued',
  /** A rollout whose tenants were all done but which never moved on was advanced. */
  'rollout_advanced',
] as const;

export type ReconcileKind = (typeof RECONCILE_KINDS)[number];

/** One reconciliation, as logged and counted. */
export interface ReconcileAction {
  kind: ReconcileKind;
  /** Why: what was found (no job for how long, which state, which reason BullMQ gave). */
  reason: string;
  tenantCode?: string;
  cleanupId?: number;
  rolloutId?: number;
  jobId?: string;
}

type Counter = InstanceType<ProvisionerContext['metrics']['client']['Counter']>;

const counters = new WeakMap<ProvisionerContext, Counter>();

/**
 * Registers `provisioner_reconciled_total{kind}` (every kind starts at 0, so a rate or increase
 * over it works from the first scrape) and `provisioner_oldest_provisioning_seconds`, read from
 * the control database at each scrape. Idempotent per context.
 */
export function registerReconcileMetrics(ctx: ProvisionerContext): Counter {
  let counter = counters.get(ctx);
  if (counter) return counter;
  counter = new ctx.metrics.client.Counter({
    name: 'provisioner_reconciled_total',
    help: 'Work whose queue job was lost or given up on, put right by the reconciler or the job failure hook, by kind',
    labelNames: ['kind'] as const,
    registers: [ctx.metrics.registry],
  });
  for (const kind of RECONCILE_KINDS) counter.inc({ kind }, 0);
  new ctx.metrics.client.Gauge({
    name: 'provisioner_oldest_provisioning_seconds',
    help: 'Seconds since the oldest tenant still provisioning was created (0 when none)',
    registers: [ctx.metrics.registry],
    async collect() {
      try {
        this.set(await oldestProvisioningAgeSeconds(ctx.db));
      } catch (err) {
        // Keep the last value: a scrape must not fail because the control database blinked.
        ctx.logger.warn({ err: (err as Error).message }, 'oldest provisioning age unavailable');
      }
    },
  });
  counters.set(ctx, counter);
  return counter;
}

/** Logs one reconciliation with its reason and counts it. */
export function recordReconciliation(ctx: ProvisionerContext, action: ReconcileAction): void {
  const { kind, reason, ...subject } = action;
  registerReconcileMetrics(ctx).inc({ kind });
  ctx.logger.warn({ reconcile: kind, reason, ...subject }, 'reconciled');
}
