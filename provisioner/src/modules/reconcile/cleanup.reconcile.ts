import type { Queue } from 'bullmq';
import { CronExpressionParser } from 'cron-parser';
import { CLEANUP_JOBS, type PurgeResourceJob } from '@kg/shared';
import type { ProvisionerContext } from '../../context';
import { findDueCleanup, findStartedCleanup } from '../cleanup/cleanup.repository';
import { purgeResourceJobOptions } from '../cleanup/purge-run.job';
import { listTenantCodesDueForPurge } from '../tenants/tenant.repository';
import { requeue } from './job-presence';
import type { ReconcileAction } from './reconcile.metrics';
import { seconds } from './reasons';

/** When CLEANUP_CRON last fired (node-cron reads it in the process's local time zone). */
export function previousCleanupRun(cron: string, now = new Date()): Date {
  const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return CronExpressionParser.parse(cron, { currentDate: now, tz }).prev().toDate();
}

/**
 * Cleanup entries owed a purge job that none holds (docs/recovery.md, "Purge"): an entry
 * `in_progress` or `pending` after a failed attempt, without change for
 * PROVISIONER_STUCK_AFTER_MS; and a `pending` entry that was already due when CLEANUP_CRON last
 * fired, so the daily run (or its claim in Redis) was lost. Entries that became due since then
 * wait for the next scheduled run, as they would without the reconciler. Each gets its purge job
 * again under the same id; the job re-checks the entry and the tenant before touching anything.
 */
export async function reconcileCleanup(ctx: ProvisionerContext, cleanup: Queue, found: (a: ReconcileAction) => void): Promise<void> {
  const stuckAfter = ctx.config.PROVISIONER_STUCK_AFTER_MS;
  const owed = new Map<number, string>();
  for (const row of await findStartedCleanup(ctx.db)) {
    if (row.idleMs < stuckAfter) continue;
    const state = row.status === 'in_progress' ? 'in progress' : `pending after ${row.retryCount} failed attempt(s)`;
    owed.set(row.id, `${state}, no change for ${seconds(row.idleMs)}`);
  }
  const lastRun = previousCleanupRun(ctx.config.CLEANUP_CRON);
  // Leave the scheduled run itself time to enqueue what it found.
  if (Date.now() - lastRun.getTime() >= stuckAfter) {
    for (const row of await findDueCleanup(ctx.db, await listTenantCodesDueForPurge(ctx.db))) {
      if (row.status !== 'pending' || owed.has(row.id) || row.scheduledDeletionAt > lastRun) continue;
      owed.set(row.id, `pending and due since ${row.scheduledDeletionAt.toISOString()}, before the purge run of ${lastRun.toISOString()}`);
    }
  }
  for (const [cleanupId, reason] of owed) {
    const options = purgeResourceJobOptions(ctx.config, cleanupId);
    if (await requeue(cleanup, CLEANUP_JOBS.purgeResource, { cleanupId } satisfies PurgeResourceJob, options)) {
      found({ kind: 'cleanup_requeued', reason: `no purge job; ${reason}`, cleanupId, jobId: options.jobId });
    }
  }
}
