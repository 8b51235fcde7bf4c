import { CREATE_STEPS } from '@kg/shared';
import type { AppContext } from '../../context';
import { listCleanup } from '../deletion/cleanup.repository';
import { findPipelinePositions } from '../lifecycle/lifecycle.repository';
import { countTenantsByStatus, listTenants } from '../tenants/tenant.repository';
import { dailyAiUsage } from '../ai-bridge/call-log.repository';

export interface StatsOverview {
  tenantsByStatus: Record<string, number>;
  totalTenants: number;
  provisioningInFlight: Array<{ tenantCode: string; name: string; currentStep: number; totalSteps: number; startedAt: string | null; stuck: boolean }>;
  recentFailures: Array<{ tenantCode: string; name: string; error: string | null; failedAt: string }>;
  cleanupDueSoon: { count: number; items: Array<{ id: number; tenantCode: string; resourceType: string; scheduledDeletionAt: string; daysLeft: number }> };
  aiUsage: Array<{ date: string; calls: number; cost: number }>;
}

const LIST_LIMIT = 10;
const USAGE_DAYS = 30;
const DUE_WITHIN_DAYS = 7;
/** Provisioning longer than this is shown as stuck: the threshold of the TenantProvisioningStuck alert (docs/recovery.md). */
const STUCK_AFTER_MS = 10 * 60_000;

/** YYYY-MM-DD of a date in UTC. */
const day = (d: Date) => d.toISOString().slice(0, 10);

/**
 * The dashboard summary (docs/console.md, Pages and roles): each panel asks the owner of its
 * table (tenants, pipeline progress, cleanup queue, AI call log), each read bounded.
 */
export async function getOverview(ctx: AppContext, now: Date = new Date()): Promise<StatsOverview> {
  const since = new Date(now.getTime() - (USAGE_DAYS - 1) * 86_400_000);
  const [byStatus, inFlight, failures, due, usage] = await Promise.all([
    countTenantsByStatus(ctx.db),
    listTenants(ctx.db, { page: 1, pageSize: LIST_LIMIT, statuses: ['provisioning'] }),
    listTenants(ctx.db, { page: 1, pageSize: LIST_LIMIT, statuses: ['failed'], sort: 'updatedAt', order: 'desc' }),
    listCleanup(ctx.db, { page: 1, pageSize: LIST_LIMIT, statuses: ['pending'], dueWithinDays: DUE_WITHIN_DAYS }),
    dailyAiUsage(ctx.db, day(since)),
  ]);
  const positions = await findPipelinePositions(ctx.db, inFlight.items.map((t) => t.tenantCode));

  const tenantsByStatus: Record<string, number> = Object.fromEntries(byStatus);
  return {
    tenantsByStatus,
    totalTenants: Object.values(tenantsByStatus).reduce((a, b) => a + b, 0),
    provisioningInFlight: inFlight.items.map((t) => {
      const p = positions.get(t.tenantCode);
      return {
        tenantCode: t.tenantCode,
        name: t.name,
        currentStep: p?.currentStep ?? 0,
        totalSteps: p?.totalSteps ?? CREATE_STEPS.length,
        startedAt: p?.startedAt ? p.startedAt.toISOString() : null,
        stuck: now.getTime() - t.createdAt.getTime() > STUCK_AFTER_MS,
      };
    }),
    recentFailures: failures.items.map((t) => ({
      tenantCode: t.tenantCode,
      name: t.name,
      error: t.provisioningError,
      failedAt: t.updatedAt.toISOString(),
    })),
    cleanupDueSoon: {
      count: due.total,
      items: due.items.map((c) => ({
        id: c.id,
        tenantCode: c.tenantCode,
        resourceType: c.resourceType,
        scheduledDeletionAt: c.scheduledDeletionAt,
        daysLeft: c.daysLeft,
      })),
    },
    aiUsage: Array.from({ length: USAGE_DAYS }, (_, i) => {
      const date = day(new Date(since.getTime() + i * 86_400_000));
      return { date, ...(usage.get(date) ?? { calls: 0, cost: 0 }) };
    }),
  };
}
