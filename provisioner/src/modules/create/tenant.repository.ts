import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from '@kg/shared';

/** The columns of `tenants` the pipeline works with. */
export interface ProvisioningTenant {
  id: number;
  code: string;
  name: string;
  status: string;
  domain: string;
  databaseName: string;
  dbServerId: number | null;
  ossPrefix: string | null;
  dnsRecordId: string | null;
  planType: string;
  contactName: string | null;
  contactEmail: string | null;
  contactPhone: string | null;
}

export async function findProvisioningTenant(db: Pool | PoolConnection, code: string): Promise<ProvisioningTenant | null> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT id, tenant_id, name, status, domain, database_name, db_server_id, oss_prefix, dns_record_id, plan_type,
            contact_name, contact_email, contact_phone
       FROM tenants WHERE tenant_id = ?`,
    [code],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    id: Number(r.id),
    code: String(r.tenant_id),
    name: String(r.name),
    status: String(r.status),
    domain: String(r.domain),
    databaseName: String(r.database_name),
    dbServerId: r.db_server_id === null ? null : Number(r.db_server_id),
    ossPrefix: r.oss_prefix,
    dnsRecordId: r.dns_record_id,
    planType: String(r.plan_type),
    contactName: r.contact_name,
    contactEmail: r.contact_email,
    contactPhone: r.contact_phone,
  };
}

/**
 * Sets a tenant's status when it is still `expected` (operations: suspend during a restore or a
 * move, then put back). Returns false when the tenant was not in that status.
 */
export async function switchTenantStatus(db: Pool | PoolConnection, code: string, expected: string, status: string): Promise<boolean> {
  const [res] = await db.query<ResultSetHeader>('UPDATE tenants SET status = ? WHERE tenant_id = ? AND status = ?', [status, code, expected]);
  return res.affectedRows === 1;
}

/** Tenants per status (the `tenants{status}` gauge). */
export async function countTenantsByStatus(db: Pool): Promise<Array<{ status: string; count: number }>> {
  const [rows] = await db.query<RowDataPacket[]>('SELECT status, COUNT(*) AS n FROM tenants GROUP BY status');
  return rows.map((r) => ({ status: String(r.status), count: Number(r.n) }));
}
