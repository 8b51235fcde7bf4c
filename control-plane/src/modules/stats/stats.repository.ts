import { daysLeft, type Pool, type RowDataPacket } from '@kg/shared';

// Read-only aggregates for the dashboard over tables other modules own (tenants, provisioning
// progress, cleanup, AI call logs): counting, never writing (docs/console.md, Dashboard).

const iso = (d: unknown): string | null => (d instanceof Date ? d.toISOString() : d == null ? null : String(d));

export interface StatsOverview {
  tenantsByStatus: Record<string, number>;
  totalTenants: number;
  provisioningInFlight: Array<{ tenantCode: string; name: string; currentStep: number; totalSteps: number; startedAt: string | null }>;
  recentFailures: Array<{ tenantCode: string; name: string; error: string | null; failedAt: string }>;
  cleanupDueSoon: { count: number; items: Array<{ id: number; tenantCode: string; resourceType: string; scheduledDeletionAt: string; daysLeft: number }> };
  aiUsage: Array<{ date: string; calls: number; cost: number }>;
}

const LIST_LIMIT = 10;
const USAGE_DAYS = 30;

/** YYYY-MM-DD of a date in UTC. */
const day = (d: Date) => d.toISOString().slice(0, 10);

/** The dashboard summary: one query per panel, each bounded. */
export async function readOverview(db: Pool, now: Date = new Date()): Promise<StatsOverview> {
  const [byStatus] = await db.query<RowDataPacket[]>('SELECT status, COUNT(*) AS n FROM tenants GROUP BY status');
  const [inFlight] = await db.query<RowDataPacket[]>(
    `SELECT t.tenant_id, t.name, COALESCE(p.current_step, 0) AS current_step, COALESCE(p.total_steps, 8) AS total_steps, p.started_at
       FROM tenants t LEFT JOIN tenant_init_progress p ON p.tenant_id = t.tenant_id
      WHERE t.status = 'provisioning' ORDER BY t.created_at DESC LIMIT ?`,
    [LIST_LIMIT],
  );
  const [failures] = await db.query<RowDataPacket[]>(
    `SELECT tenant_id, name, provisioning_error, updated_at FROM tenants
      WHERE status = 'failed' ORDER BY updated_at DESC LIMIT ?`,
    [LIST_LIMIT],
  );
  const [[dueCount]] = await db.query<RowDataPacket[]>(
    `SELECT COUNT(*) AS n FROM tenant_resource_cleanup
      WHERE status = 'pending' AND scheduled_deletion_at <= ? + INTERVAL 7 DAY`,
    [now],
  );
  const [due] = await db.query<RowDataPacket[]>(
    `SELECT id, tenant_code, resource_type, scheduled_deletion_at FROM tenant_resource_cleanup
      WHERE status = 'pending' AND scheduled_deletion_at <= ? + INTERVAL 7 DAY
      ORDER BY scheduled_deletion_at, id LIMIT ?`,
    [now, LIST_LIMIT],
  );
  const since = new Date(now.getTime() - (USAGE_DAYS - 1) * 86_400_000);
  const [usage] = await db.query<RowDataPacket[]>(
    `SELECT DATE_FORMAT(created_at, '%Y-%m-%d') AS d, COUNT(*) AS calls, COALESCE(SUM(cost), 0) AS cost
       FROM ai_service_call_logs WHERE created_at >= ? GROUP BY d`,
    [day(since)],
  );

  const tenantsByStatus: Record<string, number> = {};
  for (const r of byStatus) tenantsByStatus[r.status] = Number(r.n);
  const usageByDay = new Map(usage.map((r) => [String(r.d), { calls: Number(r.calls), cost: Number(r.cost) }]));
  const aiUsage = Array.from({ length: USAGE_DAYS }, (_, i) => {
    const date = day(new Date(since.getTime() + i * 86_400_000));
    return { date, ...(usageByDay.get(date) ?? { calls: 0, cost: 0 }) };
  });
  return {
    tenantsByStatus,
    totalTenants: Object.values(tenantsByStatus).reduce((a, b) => a + b, 0),
    provisioningInFlight: inFlight.map((r) => ({
      tenantCode: r.tenant_id,
      name: r.name,
      currentStep: Number(r.current_step),
      totalSteps: Number(r.total_steps),
      startedAt: iso(r.started_at),
    })),
    recentFailures: failures.map((r) => ({ tenantCode: r.tenant_id, name: r.name, error: r.provisioning_error, failedAt: iso(r.updated_at)! })),
    cleanupDueSoon: {
      count: Number(dueCount!.n),
      items: due.map((r) => ({
        id: Number(r.id),
        tenantCode: r.tenant_code,
        resourceType: r.resource_type,
        scheduledDeletionAt: iso(r.scheduled_deletion_at)!,
        daysLeft: daysLeft(r.scheduled_deletion_at as Date, now),
      })),
    },
    aiUsage,
  };
}
