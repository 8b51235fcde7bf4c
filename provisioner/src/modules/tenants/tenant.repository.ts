import type { Pool, RowDataPacket } from '@kg/shared';

/**
 * Reads of `tenants` (the provisioner's only module with SQL against that table). These are the
 * reconciler's; the create pipeline's queries join them when the modules are merged.
 */

/** A tenant still `provisioning`, with how long nothing about it has moved (control DB clock). */
export interface ProvisioningActivity {
  tenantCode: string;
  /** Milliseconds since the tenant row, a step row or the progress row last changed. */
  idleMs: number;
}

/** Every `provisioning` tenant with its idle time, oldest first. */
export async function findProvisioningActivity(db: Pool): Promise<ProvisioningActivity[]> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT t.tenant_id,
            TIMESTAMPDIFF(MICROSECOND,
              GREATEST(t.updated_at, COALESCE(MAX(s.updated_at), t.updated_at), COALESCE(MAX(p.updated_at), t.updated_at)),
              NOW(3)) DIV 1000 AS idle_ms
       FROM tenants t
       LEFT JOIN tenant_init_steps s ON s.tenant_id = t.tenant_id
       LEFT JOIN tenant_init_progress p ON p.tenant_id = t.tenant_id
      WHERE t.status = 'provisioning'
      GROUP BY t.id, t.tenant_id, t.updated_at
      ORDER BY t.id`,
  );
  return rows.map((r) => ({ tenantCode: String(r.tenant_id), idleMs: Number(r.idle_ms) }));
}

/** A tenant's status, or null when there is no such tenant. */
export async function findTenantStatus(db: Pool, tenantCode: string): Promise<string | null> {
  const [rows] = await db.query<RowDataPacket[]>('SELECT status FROM tenants WHERE tenant_id = ?', [tenantCode]);
  return rows[0] ? String(rows[0].status) : null;
}

/**
 * Seconds since the oldest `provisioning` tenant was created (0 when none). A retried tenant
 * counts from its creation, not from the retry.
 */
export async function oldestProvisioningAgeSeconds(db: Pool): Promise<number> {
  const [[row]] = await db.query<RowDataPacket[]>(
    `SELECT COALESCE(TIMESTAMPDIFF(MICROSECOND, MIN(created_at), NOW(3)) / 1e6, 0) AS age
       FROM tenants WHERE status = 'provisioning'`,
  );
  return Number(row?.age ?? 0);
}
