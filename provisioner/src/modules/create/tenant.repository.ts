import type { Pool, PoolConnection, RowDataPacket } from '@kg/shared';

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
