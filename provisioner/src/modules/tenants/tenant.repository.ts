import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from '@kg/shared';

/**
 * The provisioner's only reader and writer of the control database's `tenants` table: columns
 * are mapped to `Tenant` here and nowhere else (docs/data-ownership.md, Provisioner).
 */

type Db = Pool | PoolConnection;

/** A `tenants` row as the provisioner works with it. */
export interface Tenant {
  id: number;
  tenantCode: string;
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
  schemaVersion: number | null;
  deletedAt: Date | null;
  scheduledDeletionAt: Date | null;
}

const COLUMNS = `id, tenant_id, name, status, domain, database_name, db_server_id, oss_prefix, dns_record_id, plan_type,
       contact_name, contact_email, contact_phone, schema_version, deleted_at, scheduled_deletion_at`;

const nullableNumber = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function toTenant(r: RowDataPacket): Tenant {
  return {
    id: Number(r.id),
    tenantCode: String(r.tenant_id),
    name: String(r.name),
    status: String(r.status),
    domain: String(r.domain),
    databaseName: String(r.database_name),
    dbServerId: nullableNumber(r.db_server_id),
    ossPrefix: r.oss_prefix,
    dnsRecordId: r.dns_record_id,
    planType: String(r.plan_type),
    contactName: r.contact_name,
    contactEmail: r.contact_email,
    contactPhone: r.contact_phone,
    schemaVersion: nullableNumber(r.schema_version),
    deletedAt: r.deleted_at,
    scheduledDeletionAt: r.scheduled_deletion_at,
  };
}

export async function findTenant(db: Db, tenantCode: string): Promise<Tenant | null> {
  const [rows] = await db.query<RowDataPacket[]>(`SELECT ${COLUMNS} FROM tenants WHERE tenant_id = ?`, [tenantCode]);
  return rows[0] ? toTenant(rows[0]) : null;
}

/**
 * Row-locks a tenant inside the caller's transaction. Lock order everywhere: the tenant first,
 * then its cleanup rows (a restore in the control plane takes the same order).
 */
export async function lockTenant(conn: PoolConnection, tenantCode: string): Promise<Tenant | null> {
  const [rows] = await conn.query<RowDataPacket[]>(`SELECT ${COLUMNS} FROM tenants WHERE tenant_id = ? FOR UPDATE`, [tenantCode]);
  return rows[0] ? toTenant(rows[0]) : null;
}

/** Tenants in any of `statuses`, oldest first. */
export async function listTenantsByStatus(db: Db, statuses: readonly string[]): Promise<Tenant[]> {
  if (statuses.length === 0) return [];
  const [rows] = await db.query<RowDataPacket[]>(`SELECT ${COLUMNS} FROM tenants WHERE status IN (?) ORDER BY id`, [statuses]);
  return rows.map(toTenant);
}

/** Codes of deleted tenants whose grace period is over (their purge date has passed). */
export async function listTenantCodesDueForPurge(db: Db): Promise<string[]> {
  const [rows] = await db.query<RowDataPacket[]>(
    "SELECT tenant_id FROM tenants WHERE status = 'deleted' AND scheduled_deletion_at <= NOW(3) ORDER BY id",
  );
  return rows.map((r) => String(r.tenant_id));
}

export async function setDnsRecordId(db: Db, tenantCode: string, dnsRecordId: string): Promise<void> {
  await db.query('UPDATE tenants SET dns_record_id = ? WHERE tenant_id = ?', [dnsRecordId, tenantCode]);
}

export async function setSchemaVersion(db: Db, tenantCode: string, schemaVersion: number): Promise<void> {
  await db.query('UPDATE tenants SET schema_version = ? WHERE tenant_id = ?', [schemaVersion, tenantCode]);
}

/**
 * Moves a provisioning tenant to `active`. Returns the status the tenant has afterwards:
 * `active` (also when an earlier attempt activated it), another status when it left
 * provisioning meanwhile, or null when it does not exist.
 */
export async function markTenantActive(db: Db, tenantCode: string): Promise<string | null> {
  const [res] = await db.query<ResultSetHeader>(
    "UPDATE tenants SET status = 'active', provisioning_error = NULL WHERE tenant_id = ? AND status = 'provisioning'",
    [tenantCode],
  );
  if (res.affectedRows > 0) return 'active';
  const [rows] = await db.query<RowDataPacket[]>('SELECT status FROM tenants WHERE tenant_id = ?', [tenantCode]);
  return rows[0] ? String(rows[0].status) : null;
}

/** Marks the tenant `failed` with the reason, only while it is still provisioning. */
export async function markTenantFailed(db: Db, tenantCode: string, reason: string): Promise<void> {
  await db.query("UPDATE tenants SET status = 'failed', provisioning_error = ? WHERE tenant_id = ? AND status = 'provisioning'", [
    reason,
    tenantCode,
  ]);
}

/** Marks the tenant `purged`; the row itself stays (tenants are never deleted by SQL). */
export async function markTenantPurged(db: Db, tenantCode: string): Promise<void> {
  await db.query("UPDATE tenants SET status = 'purged', purged_at = NOW(3) WHERE tenant_id = ?", [tenantCode]);
}

/**
 * A tenant still `provisioning`, with how long nothing about it has moved (control DB clock).
 * The reconciler's view (docs/recovery.md); it joins the pipeline's step and progress rows
 * because "no progress" is measured on them.
 */
export interface ProvisioningActivity {
  tenantCode: string;
  /** Milliseconds since the tenant row, a step row or the progress row last changed. */
  idleMs: number;
}

/** Every `provisioning` tenant with its idle time, oldest first. */
export async function findProvisioningActivity(db: Db): Promise<ProvisioningActivity[]> {
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
export async function findTenantStatus(db: Db, tenantCode: string): Promise<string | null> {
  const [rows] = await db.query<RowDataPacket[]>('SELECT status FROM tenants WHERE tenant_id = ?', [tenantCode]);
  return rows[0] ? String(rows[0].status) : null;
}

/**
 * Seconds since the oldest `provisioning` tenant was created (0 when none). A retried tenant
 * counts from its creation, not from the retry.
 */
export async function oldestProvisioningAgeSeconds(db: Db): Promise<number> {
  const [[row]] = await db.query<RowDataPacket[]>(
    `SELECT COALESCE(TIMESTAMPDIFF(MICROSECOND, MIN(created_at), NOW(3)) / 1e6, 0) AS age
       FROM tenants WHERE status = 'provisioning'`,
  );
  return Number(row?.age ?? 0);
}

/** A tenant to bill for a period: its ids and current plan (docs/ai-billing.md, "Usage roll-up and monthly bills"). */
export interface BillableTenant {
  id: number;
  tenantCode: string;
  planType: string;
}

/**
 * Tenants that existed during [from, to): created before its end, provisioned (not `provisioning`
 * or `failed`) and not deleted before its start.
 */
export async function listBillableTenants(db: Db, from: Date, to: Date): Promise<BillableTenant[]> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT id, tenant_id, plan_type FROM tenants
      WHERE created_at < ? AND status NOT IN ('provisioning', 'failed') AND (deleted_at IS NULL OR deleted_at >= ?)
      ORDER BY id`,
    [to, from],
  );
  return rows.map((r) => ({ id: Number(r.id), tenantCode: String(r.tenant_id), planType: String(r.plan_type) }));
}

/**
 * Sets a tenant's status when it is still `expected` (operations: suspend during a restore or a
 * move, then put back). Returns false when the tenant was not in that status.
 */
export async function switchTenantStatus(db: Db, tenantCode: string, expected: string, status: string): Promise<boolean> {
  const [res] = await db.query<ResultSetHeader>('UPDATE tenants SET status = ? WHERE tenant_id = ? AND status = ?', [
    status,
    tenantCode,
    expected,
  ]);
  return res.affectedRows === 1;
}

/** Tenants per status (the `tenants{status}` gauge). */
export async function countTenantsByStatus(db: Db): Promise<Array<{ status: string; count: number }>> {
  const [rows] = await db.query<RowDataPacket[]>('SELECT status, COUNT(*) AS n FROM tenants GROUP BY status');
  return rows.map((r) => ({ status: String(r.status), count: Number(r.n) }));
}

/** Tenants whose database lives on a server (every status but purged: the capacity count of placement). */
export async function countTenantsOnServer(db: Db, dbServerId: number): Promise<number> {
  const [[row]] = await db.query<RowDataPacket[]>("SELECT COUNT(*) AS n FROM tenants WHERE db_server_id = ? AND status <> 'purged'", [
    dbServerId,
  ]);
  return Number(row!.n);
}

/**
 * Points a tenant at the server its database was moved to, only while it is still on `from`
 * (docs/operations.md, Move a tenant). Returns false when it was not.
 */
export async function switchTenantDbServer(db: Db, tenantCode: string, from: number, to: number): Promise<boolean> {
  const [res] = await db.query<ResultSetHeader>('UPDATE tenants SET db_server_id = ? WHERE tenant_id = ? AND db_server_id = ?', [
    to,
    tenantCode,
    from,
  ]);
  return res.affectedRows === 1;
}

/** A tenant database's MySQL account as recorded with the tenant; the password stays sealed here. */
export interface TenantDbAccountRecord {
  user: string;
  host: string;
  sealedPassword: string;
}

/** The tenant's recorded database account, or null when none was recorded yet. */
export async function findTenantDbAccount(db: Db, tenantCode: string): Promise<TenantDbAccountRecord | null> {
  const [rows] = await db.query<RowDataPacket[]>(
    'SELECT db_user, db_user_host, db_password_enc FROM tenants WHERE tenant_id = ?',
    [tenantCode],
  );
  const r = rows[0];
  if (!r || !r.db_user || !r.db_user_host || !r.db_password_enc) return null;
  return { user: String(r.db_user), host: String(r.db_user_host), sealedPassword: String(r.db_password_enc) };
}

/**
 * Records the tenant's database account unless one is recorded already (a concurrent or earlier
 * run won), then returns whichever is recorded: every run ends up with the same password.
 */
export async function recordTenantDbAccount(db: Db, tenantCode: string, account: TenantDbAccountRecord): Promise<TenantDbAccountRecord> {
  await db.query(
    'UPDATE tenants SET db_user = ?, db_user_host = ?, db_password_enc = ? WHERE tenant_id = ? AND db_password_enc IS NULL',
    [account.user, account.host, account.sealedPassword, tenantCode],
  );
  const recorded = await findTenantDbAccount(db, tenantCode);
  if (!recorded) throw new Error(`Tenant ${tenantCode} does not exist`);
  return recorded;
}

