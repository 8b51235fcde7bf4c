import type { DatabaseServerRow, Page, Pool, PoolConnection, ResultSetHeader, RowDataPacket } from '@kg/shared';

export const TENANT_STATUSES = ['provisioning', 'active', 'inactive', 'suspended', 'failed', 'deleted', 'purged'] as const;
export type TenantStatus = (typeof TENANT_STATUSES)[number];

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
  account: { balance: number; creditLimit: number; paymentStatus: string; billingCycle: string } | null;
  userCount: number;
}

/** Columns the tenant list may be sorted by (API name -> SQL column, a fixed allow-list). */
export const TENANT_SORT_COLUMNS = {
  tenantCode: 'tenant_id',
  name: 'name',
  status: 'status',
  planType: 'plan_type',
  createdAt: 'created_at',
} as const;
export type TenantSortKey = keyof typeof TENANT_SORT_COLUMNS;

export interface TenantListFilter {
  page: number;
  pageSize: number;
  statuses?: TenantStatus[];
  q?: string;
  sort?: TenantSortKey;
  order?: 'asc' | 'desc';
}

const iso = (d: unknown): string | null => (d instanceof Date ? d.toISOString() : d == null ? null : String(d));

/** Escapes LIKE wildcards so a search for "k_01" means exactly that. */
function likeContains(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
}

function toSummary(r: RowDataPacket): TenantSummary {
  return {
    tenantCode: r.tenant_id,
    name: r.name,
    domain: r.domain,
    status: r.status,
    planType: r.plan_type,
    contactName: r.contact_name,
    contactPhone: r.contact_phone,
    databaseName: r.database_name,
    dbServerId: r.db_server_id === null ? null : Number(r.db_server_id),
    scheduledDeletionAt: iso(r.scheduled_deletion_at),
    createdAt: iso(r.created_at)!,
  };
}

function orderBy(f: TenantListFilter): string {
  const dir = f.order === 'asc' ? 'ASC' : 'DESC';
  if (!f.sort) return 'created_at DESC, id DESC';
  return `${TENANT_SORT_COLUMNS[f.sort]} ${dir}, id ${dir}`;
}

/** Tenants, newest first unless sorted, filtered by status and a search over code, name, domain and contact phone. */
export async function listTenants(db: Pool, f: TenantListFilter): Promise<Page<TenantSummary>> {
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
    `SELECT * FROM tenants ${clause} ORDER BY ${orderBy(f)} LIMIT ? OFFSET ?`,
    [...args, f.pageSize, (f.page - 1) * f.pageSize],
  );
  return { items: rows.map(toSummary), total: Number(count!.n), page: f.page, pageSize: f.pageSize };
}

/** Everything the tenant detail page shows, or null for an unknown code. */
export async function findTenantDetail(db: Pool, code: string): Promise<TenantDetail | null> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT t.*,
            s.id AS s_id, s.name AS s_name, s.host AS s_host, s.port AS s_port, s.status AS s_status,
            a.balance AS a_balance, a.credit_limit AS a_credit_limit, a.payment_status AS a_payment_status,
            a.billing_cycle AS a_billing_cycle,
            (SELECT COUNT(*) FROM global_user_tenant_relations r
              WHERE r.tenant_code = t.tenant_id AND r.status = 'active') AS user_count
       FROM tenants t
       LEFT JOIN database_servers s ON s.id = t.db_server_id
       LEFT JOIN tenant_accounts a ON a.tenant_id = t.tenant_id
      WHERE t.tenant_id = ?`,
    [code],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    ...toSummary(r),
    id: Number(r.id),
    maxUsers: Number(r.max_users),
    maxStorageMb: Number(r.max_storage),
    contactEmail: r.contact_email,
    address: r.address,
    description: r.description,
    server:
      r.s_id === null
        ? null
        : { id: Number(r.s_id), name: r.s_name, host: r.s_host, port: Number(r.s_port), status: r.s_status },
    storagePrefix: r.oss_prefix,
    dnsRecordId: r.dns_record_id,
    schemaVersion: r.schema_version === null ? null : Number(r.schema_version),
    provisioningError: r.provisioning_error,
    deletedAt: iso(r.deleted_at),
    purgedAt: iso(r.purged_at),
    updatedAt: iso(r.updated_at)!,
    account:
      r.a_balance === null
        ? null
        : {
            balance: Number(r.a_balance),
            creditLimit: Number(r.a_credit_limit),
            paymentStatus: r.a_payment_status,
            billingCycle: r.a_billing_cycle,
          },
    userCount: Number(r.user_count),
  };
}

export interface TenantPlacement {
  tenantCode: string;
  status: TenantStatus;
  databaseName: string;
  server: DatabaseServerRow | null;
}

/** A tenant's status and where its database lives (its database server row, if any). */
export async function findTenantPlacement(db: Pool, code: string): Promise<TenantPlacement | null> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT t.tenant_id, t.status, t.database_name,
            s.id AS s_id, s.name AS s_name, s.host AS s_host, s.port AS s_port, s.username AS s_username,
            s.secret_ref AS s_secret_ref
       FROM tenants t LEFT JOIN database_servers s ON s.id = t.db_server_id
      WHERE t.tenant_id = ?`,
    [code],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    tenantCode: r.tenant_id,
    status: r.status,
    databaseName: r.database_name,
    server:
      r.s_id === null
        ? null
        : {
            id: Number(r.s_id),
            name: r.s_name,
            host: r.s_host,
            port: Number(r.s_port),
            username: r.s_username,
            secret_ref: r.s_secret_ref,
          },
  };
}

export interface GlobalUser {
  id: number;
  phone: string;
  realName: string;
  email: string | null;
  status: string;
}

export async function findGlobalUserByPhone(db: Pool, phone: string): Promise<GlobalUser | null> {
  const [rows] = await db.query<RowDataPacket[]>(
    'SELECT id, phone, real_name, email, status FROM global_users WHERE phone = ?',
    [phone],
  );
  const r = rows[0];
  return r ? { id: Number(r.id), phone: r.phone, realName: r.real_name, email: r.email, status: r.status } : null;
}

export interface TenantRelation {
  id: number;
  globalUserId: number;
  tenantCode: string;
  tenantUserId: string | null;
  role: string;
  status: string;
}

function toRelation(r: RowDataPacket): TenantRelation {
  return {
    id: Number(r.id),
    globalUserId: Number(r.global_user_id),
    tenantCode: r.tenant_code,
    tenantUserId: r.tenant_user_id,
    role: r.role_in_tenant,
    status: r.status,
  };
}

/** The relation of a user to a tenant, locked for update within the caller's transaction. */
export async function lockRelation(conn: PoolConnection, globalUserId: number, code: string): Promise<TenantRelation | null> {
  const [rows] = await conn.query<RowDataPacket[]>(
    'SELECT * FROM global_user_tenant_relations WHERE global_user_id = ? AND tenant_code = ? FOR UPDATE',
    [globalUserId, code],
  );
  return rows[0] ? toRelation(rows[0]) : null;
}

/**
 * Creates or updates the relation: role, active, no per-user permission overrides. A known
 * tenant user id replaces the stored one; an unknown one (no tenant database yet) keeps it.
 */
export async function upsertRelation(
  conn: PoolConnection,
  rel: { globalUserId: number; tenantCode: string; role: string; tenantUserId: string | null },
): Promise<TenantRelation> {
  await conn.query(
    `INSERT INTO global_user_tenant_relations (global_user_id, tenant_code, tenant_user_id, role_in_tenant, permissions, status)
     VALUES (?, ?, ?, ?, NULL, 'active')
     ON DUPLICATE KEY UPDATE
       tenant_user_id = COALESCE(VALUES(tenant_user_id), tenant_user_id),
       role_in_tenant = VALUES(role_in_tenant),
       permissions = NULL,
       status = 'active'`,
    [rel.globalUserId, rel.tenantCode, rel.tenantUserId, rel.role],
  );
  return (await lockRelation(conn, rel.globalUserId, rel.tenantCode))!;
}

export interface TenantUserView {
  globalUserId: number;
  phone: string;
  realName: string;
  email: string | null;
  userStatus: string;
  role: string;
  status: string;
  tenantUserId: string | null;
  loginCount: number;
  firstLoginAt: string | null;
  lastLoginAt: string | null;
  boundAt: string;
}

/** Users bound to a tenant, most recently bound first. */
export async function listTenantUsers(
  db: Pool,
  code: string,
  paging: { page: number; pageSize: number },
): Promise<Page<TenantUserView>> {
  const [[count]] = await db.query<RowDataPacket[]>(
    'SELECT COUNT(*) AS n FROM global_user_tenant_relations WHERE tenant_code = ?',
    [code],
  );
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT r.*, u.phone, u.real_name, u.email, u.status AS user_status
       FROM global_user_tenant_relations r JOIN global_users u ON u.id = r.global_user_id
      WHERE r.tenant_code = ?
      ORDER BY r.created_at DESC, r.id DESC
      LIMIT ? OFFSET ?`,
    [code, paging.pageSize, (paging.page - 1) * paging.pageSize],
  );
  return {
    items: rows.map((r) => ({
      globalUserId: Number(r.global_user_id),
      phone: r.phone,
      realName: r.real_name,
      email: r.email,
      userStatus: r.user_status,
      role: r.role_in_tenant,
      status: r.status,
      tenantUserId: r.tenant_user_id,
      loginCount: Number(r.login_count),
      firstLoginAt: iso(r.first_login_at),
      lastLoginAt: iso(r.last_login_at),
      boundAt: iso(r.created_at)!,
    })),
    total: Number(count!.n),
    page: paging.page,
    pageSize: paging.pageSize,
  };
}

/** Fields an operator may edit (PATCH /api/tenants/:code); API name -> column. */
export const TENANT_EDITABLE_COLUMNS = {
  name: 'name',
  contactName: 'contact_name',
  contactEmail: 'contact_email',
  contactPhone: 'contact_phone',
  address: 'address',
  description: 'description',
  planType: 'plan_type',
  settings: 'settings',
} as const;
export type TenantEdit = Partial<Record<keyof typeof TENANT_EDITABLE_COLUMNS, unknown>>;

/** The editable fields of a tenant as stored, locked for update (null for an unknown code). */
export async function lockTenantEditable(conn: PoolConnection, code: string): Promise<(TenantEdit & { status: TenantStatus }) | null> {
  const [rows] = await conn.query<RowDataPacket[]>(
    `SELECT status, ${Object.values(TENANT_EDITABLE_COLUMNS).join(', ')} FROM tenants WHERE tenant_id = ? FOR UPDATE`,
    [code],
  );
  const r = rows[0];
  if (!r) return null;
  const out: TenantEdit & { status: TenantStatus } = { status: r.status };
  for (const [field, column] of Object.entries(TENANT_EDITABLE_COLUMNS)) {
    const v = r[column];
    out[field as keyof TenantEdit] = column === 'settings' && typeof v === 'string' ? JSON.parse(v) : v;
  }
  return out;
}

/** Writes the given editable fields (columns from the fixed map, values bound). */
export async function updateTenantFields(conn: PoolConnection, code: string, edit: TenantEdit): Promise<void> {
  const entries = Object.entries(edit).filter(([, v]) => v !== undefined) as Array<[keyof TenantEdit, unknown]>;
  if (!entries.length) return;
  const sets = entries.map(([k]) => `${TENANT_EDITABLE_COLUMNS[k]} = ?`).join(', ');
  const values = entries.map(([k, v]) => (k === 'settings' && v !== null ? JSON.stringify(v) : v));
  await conn.query(`UPDATE tenants SET ${sets} WHERE tenant_id = ?`, [...values, code]);
}

/** Removes a user's relation to a tenant; true when one existed. */
export async function deleteRelation(conn: PoolConnection, globalUserId: number, code: string): Promise<boolean> {
  const [res] = await conn.query<ResultSetHeader>(
    'DELETE FROM global_user_tenant_relations WHERE global_user_id = ? AND tenant_code = ?',
    [globalUserId, code],
  );
  return res.affectedRows > 0;
}
