import {
  ErrorCode,
  errors,
  isTenantCode,
  TENANT_CODE_MAX_DIGITS,
  type Connection,
  type Page,
  type ResultSetHeader,
  type RowDataPacket,
} from '@kg/shared';

/**
 * The control plane's one owner of the `tenants` table (docs/data-ownership.md): every read and
 * write of a tenant row in this process goes through this file, and columns are mapped to the
 * Tenant shape here only. Functions take a Connection so callers can pass the pool or the
 * connection of their transaction (a PoolConnection when they need row locks).
 */

export const TENANT_STATUSES = ['provisioning', 'active', 'inactive', 'suspended', 'failed', 'deleted', 'purged'] as const;
export type TenantStatus = (typeof TENANT_STATUSES)[number];

/** One tenant row. `tenantCode` is the column tenant_id (k001); `storagePrefix` is oss_prefix. */
export interface Tenant {
  id: number;
  tenantCode: string;
  name: string;
  domain: string;
  databaseName: string;
  status: TenantStatus;
  planType: string;
  maxUsers: number;
  maxStorageMb: number;
  contactName: string | null;
  contactEmail: string | null;
  contactPhone: string | null;
  address: string | null;
  description: string | null;
  /** The admin who created it (null for rows created outside the API). */
  createdBy: number | null;
  dbServerId: number | null;
  storagePrefix: string | null;
  dnsRecordId: string | null;
  schemaVersion: number | null;
  provisioningError: string | null;
  deletedAt: Date | null;
  scheduledDeletionAt: Date | null;
  purgedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const nullableNumber = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function toTenant(r: RowDataPacket): Tenant {
  return {
    id: Number(r.id),
    tenantCode: r.tenant_id,
    name: r.name,
    domain: r.domain,
    databaseName: r.database_name,
    status: r.status,
    planType: r.plan_type,
    maxUsers: Number(r.max_users),
    maxStorageMb: Number(r.max_storage),
    contactName: r.contact_name,
    contactEmail: r.contact_email,
    contactPhone: r.contact_phone,
    address: r.address,
    description: r.description,
    createdBy: nullableNumber(r.created_by),
    dbServerId: nullableNumber(r.db_server_id),
    storagePrefix: r.oss_prefix,
    dnsRecordId: r.dns_record_id,
    schemaVersion: nullableNumber(r.schema_version),
    provisioningError: r.provisioning_error,
    deletedAt: r.deleted_at,
    scheduledDeletionAt: r.scheduled_deletion_at,
    purgedAt: r.purged_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** The tenant with this code, or null. */
export async function findTenant(db: Connection, tenantCode: string): Promise<Tenant | null> {
  const [rows] = await db.query<RowDataPacket[]>('SELECT * FROM tenants WHERE tenant_id = ?', [tenantCode]);
  return rows[0] ? toTenant(rows[0]) : null;
}

/** The tenant with this code, row-locked until the caller's transaction ends; null when unknown. */
export async function lockTenant(conn: Connection, tenantCode: string): Promise<Tenant | null> {
  const [rows] = await conn.query<RowDataPacket[]>('SELECT * FROM tenants WHERE tenant_id = ? FOR UPDATE', [tenantCode]);
  return rows[0] ? toTenant(rows[0]) : null;
}

/** The tenants with these codes, by code (unknown codes are absent). */
export async function findTenantsByCode(db: Connection, tenantCodes: string[]): Promise<Map<string, Tenant>> {
  if (tenantCodes.length === 0) return new Map();
  const [rows] = await db.query<RowDataPacket[]>('SELECT * FROM tenants WHERE tenant_id IN (?)', [tenantCodes]);
  return new Map(rows.map((r) => [String(r.tenant_id), toTenant(r)]));
}

export interface TenantListFilter {
  page: number;
  pageSize: number;
  statuses?: TenantStatus[];
  q?: string;
}

/** Escapes LIKE wildcards so a search for "k_01" means exactly that. */
function likeContains(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
}

/** Tenants, newest first, filtered by status and a search over code, name, domain and contact phone. */
export async function listTenants(db: Connection, f: TenantListFilter): Promise<Page<Tenant>> {
  const where: string[] = [];
  const args: unknown[] = [];
  if (f.statuses?.length) {
    where.push(`status IN (${f.statuses.map(() => '?').join(', ')})`);
    args.push(...f.statuses);
  }
  if (f.q) {
    const like = likeContains(f.q);
    where.push('(tenant_id LIKE ? OR name LIKE ? OR domain LIKE ? OR contact_phone LIKE ?)');
    args.push(like, like, like, like);
  }
  const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const [[count]] = await db.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM tenants ${clause}`, args);
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT * FROM tenants ${clause} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`,
    [...args, f.pageSize, (f.page - 1) * f.pageSize],
  );
  return { items: rows.map(toTenant), total: Number(count!.n), page: f.page, pageSize: f.pageSize };
}

// tenant_accounts has one owner in this process, the billing module; the detail page reads it there.
export { findTenantAccount, type TenantAccount } from '../billing/account.repository';

export async function countTenantsByDbServer(db: Connection): Promise<Map<number, number>> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT db_server_id, COUNT(*) AS n FROM tenants
      WHERE db_server_id IS NOT NULL AND status <> 'purged' GROUP BY db_server_id`,
  );
  return new Map(rows.map((r) => [Number(r.db_server_id), Number(r.n)]));
}

/**
 * The code following number `n` (k001 after 0, k1000 after 999), in BigInt so no number loses
 * precision; throws a 409 when it would break the pattern (the 9-digit space is used up).
 */
export function tenantCodeAfter(n: bigint): string {
  const tenantCode = `k${(n + 1n).toString().padStart(3, '0')}`;
  if (!isTenantCode(tenantCode)) {
    throw errors.conflict('No tenant code is left to allocate; choose one explicitly', ErrorCode.TenantConflict);
  }
  return tenantCode;
}

/**
 * The code after the highest one in use (codes are never reused, whatever their tenant's status).
 * Only codes valid today count (`^k\d{3,9}$`, compared case-sensitively): rows that break the
 * rules, such as a 31-digit or an upper-case code, are ignored rather than poisoning the
 * arithmetic (docs/security.md, Identifiers).
 */
export async function nextTenantCode(db: Connection): Promise<string> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT MAX(CAST(SUBSTRING(tenant_id, 2) AS UNSIGNED)) AS n FROM tenants
      WHERE BINARY LEFT(tenant_id, 1) = 'k' AND CHAR_LENGTH(tenant_id) BETWEEN 4 AND ?
        AND SUBSTRING(tenant_id, 2) REGEXP '^[0-9]+$'`,
    [TENANT_CODE_MAX_DIGITS + 1],
  );
  return tenantCodeAfter(rows[0]!.n === null ? 0n : BigInt(String(rows[0]!.n)));
}

/** True when the code or the domain is already registered (any status: codes are never reused). */
export async function tenantCodeOrDomainTaken(db: Connection, tenantCode: string, domain: string): Promise<boolean> {
  const [rows] = await db.query<RowDataPacket[]>('SELECT 1 FROM tenants WHERE tenant_id = ? OR domain = ? LIMIT 1', [
    tenantCode,
    domain,
  ]);
  return rows.length > 0;
}

/** True when another tenant already has this storage prefix. */
export async function storagePrefixTaken(db: Connection, storagePrefix: string): Promise<boolean> {
  const [rows] = await db.query<RowDataPacket[]>('SELECT 1 FROM tenants WHERE oss_prefix = ? LIMIT 1', [storagePrefix]);
  return rows.length > 0;
}

export interface NewTenant {
  tenantCode: string;
  name: string;
  domain: string;
  databaseName: string;
  planType: string;
  /** The plan's limits; null keeps the column defaults (50 users, 5120 MB). */
  limits: { maxUsers: number; maxStorageMb: number } | null;
  contactName: string;
  contactEmail: string;
  contactPhone: string;
  address: string | null;
  description: string | null;
  createdBy: number | null;
  dbServerId: number;
  storagePrefix: string;
}

/**
 * Registers a tenant as `provisioning`. A taken code, domain, database name or storage prefix
 * surfaces as the driver's ER_DUP_ENTRY error naming the unique key (see duplicateKey).
 */
export async function insertTenant(conn: Connection, t: NewTenant): Promise<number> {
  const [res] = await conn.query<ResultSetHeader>(
    `INSERT INTO tenants
       (tenant_id, name, domain, database_name, status, plan_type, max_users, max_storage, contact_name, contact_email,
        contact_phone, address, description, created_by, db_server_id, oss_prefix)
     VALUES (?, ?, ?, ?, 'provisioning', ?, COALESCE(?, 50), COALESCE(?, 5120), ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      t.tenantCode,
      t.name,
      t.domain,
      t.databaseName,
      t.planType,
      t.limits?.maxUsers ?? null,
      t.limits?.maxStorageMb ?? null,
      t.contactName,
      t.contactEmail,
      t.contactPhone,
      t.address,
      t.description,
      t.createdBy,
      t.dbServerId,
      t.storagePrefix,
    ],
  );
  return res.insertId;
}

/** Sets the status (suspend, activate). Call under the row lock of lockTenant. */
export async function setTenantStatus(conn: Connection, tenantCode: string, status: TenantStatus): Promise<void> {
  await conn.query('UPDATE tenants SET status = ? WHERE tenant_id = ?', [status, tenantCode]);
}

/** Back to `provisioning` with the last failure cleared (a retried pipeline). */
export async function restartProvisioning(conn: Connection, tenantCode: string): Promise<void> {
  await conn.query("UPDATE tenants SET status = 'provisioning', provisioning_error = NULL WHERE tenant_id = ?", [tenantCode]);
}

/** Soft-deletes: status `deleted`, purge date set, DNS record forgotten (it was removed). */
export async function markTenantDeleted(
  conn: Connection,
  tenantCode: string,
  dates: { deletedAt: Date; scheduledDeletionAt: Date },
): Promise<void> {
  await conn.query(
    `UPDATE tenants SET status = 'deleted', deleted_at = ?, scheduled_deletion_at = ?, dns_record_id = NULL
      WHERE tenant_id = ?`,
    [dates.deletedAt, dates.scheduledDeletionAt, tenantCode],
  );
}

/** Undoes a soft delete: `active` again with its recreated DNS record. */
export async function markTenantRestored(conn: Connection, tenantCode: string, dnsRecordId: string): Promise<void> {
  await conn.query(
    `UPDATE tenants SET status = 'active', deleted_at = NULL, scheduled_deletion_at = NULL, dns_record_id = ?
      WHERE tenant_id = ?`,
    [dnsRecordId, tenantCode],
  );
}

/** What identifies a tenant row: its code and the names derived from it. */
export interface TenantIdentifiers {
  tenantCode: string;
  domain: string;
  databaseName: string;
  status: string;
}

/** Every tenant row's identifiers, in insertion order (for the identifier check). */
export async function listTenantIdentifiers(db: Connection): Promise<TenantIdentifiers[]> {
  const [rows] = await db.query<RowDataPacket[]>('SELECT tenant_id, domain, database_name, status FROM tenants ORDER BY id');
  return rows.map((r) => ({ tenantCode: r.tenant_id, domain: r.domain, databaseName: r.database_name, status: r.status }));
}

/** Puts a tenant on a plan and applies the plan's user and storage limits (docs/ai-billing.md, "Plans"). */
export async function setTenantPlan(conn: Connection, tenantCode: string, planType: string, maxUsers: number, maxStorageMb: number): Promise<void> {
  await conn.query('UPDATE tenants SET plan_type = ?, max_users = ?, max_storage = ? WHERE tenant_id = ?', [planType, maxUsers, maxStorageMb, tenantCode]);
}
