import type { Tenant, TenantAccount, TenantStatus } from './tenant.repository';

/** A tenant as the console's list shows it. */
export interface TenantSummary {
  tenantCode: string;
  name: string;
  domain: string;
  status: TenantStatus;
  planType: string;
  contactName: string | null;
  contactPhone: string | null;
  databaseName: string;
  dbServerId: number | null;
  scheduledDeletionAt: string | null;
  createdAt: string;
}

/** Everything the tenant detail page shows. */
export interface TenantDetail extends TenantSummary {
  id: number;
  maxUsers: number;
  maxStorageMb: number;
  contactEmail: string | null;
  address: string | null;
  description: string | null;
  server: { id: number; name: string; host: string; port: number; status: string } | null;
  storagePrefix: string | null;
  dnsRecordId: string | null;
  schemaVersion: number | null;
  provisioningError: string | null;
  deletedAt: string | null;
  purgedAt: string | null;
  updatedAt: string;
  account: TenantAccount | null;
  userCount: number;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function toTenantSummary(t: Tenant): TenantSummary {
  return {
    tenantCode: t.tenantCode,
    name: t.name,
    domain: t.domain,
    status: t.status,
    planType: t.planType,
    contactName: t.contactName,
    contactPhone: t.contactPhone,
    databaseName: t.databaseName,
    dbServerId: t.dbServerId,
    scheduledDeletionAt: iso(t.scheduledDeletionAt),
    createdAt: t.createdAt.toISOString(),
  };
}

export function toTenantDetail(
  t: Tenant,
  related: { server: TenantDetail['server']; account: TenantAccount | null; userCount: number },
): TenantDetail {
  return {
    ...toTenantSummary(t),
    id: t.id,
    maxUsers: t.maxUsers,
    maxStorageMb: t.maxStorageMb,
    contactEmail: t.contactEmail,
    address: t.address,
    description: t.description,
    server: related.server,
    storagePrefix: t.storagePrefix,
    dnsRecordId: t.dnsRecordId,
    schemaVersion: t.schemaVersion,
    provisioningError: t.provisioningError,
    deletedAt: iso(t.deletedAt),
    purgedAt: iso(t.purgedAt),
    updatedAt: t.updatedAt.toISOString(),
    account: related.account,
    userCount: related.userCount,
  };
}
