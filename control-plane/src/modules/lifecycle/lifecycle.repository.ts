import {
  CREATE_STEPS,
  ErrorCode,
  errors,
  isTenantCode,
  TENANT_CODE_MAX_DIGITS,
  type Pool,
  type PoolConnection,
  type RowDataPacket,
} from '@kg/shared';

/**
 * The next free tenant code: one above the highest code in use that is valid today
 * (`^k\d{3,9}$`, compared case-sensitively: rows that break the rules, such as a 31-digit or an
 * upper-case code, are ignored rather than poisoning the arithmetic), computed in BigInt
 * (docs/security.md, Identifiers). Throws when the 9-digit space is used up.
 */
export async function nextTenantCode(conn: PoolConnection | Pool): Promise<string> {
  const [rows] = await conn.query<RowDataPacket[]>(
    `SELECT MAX(CAST(SUBSTRING(tenant_id, 2) AS UNSIGNED)) AS n FROM tenants
      WHERE BINARY LEFT(tenant_id, 1) = 'k' AND CHAR_LENGTH(tenant_id) BETWEEN 4 AND ?
        AND SUBSTRING(tenant_id, 2) REGEXP '^[0-9]+$'`,
    [TENANT_CODE_MAX_DIGITS + 1],
  );
  const highest = rows[0]!.n === null ? 0n : BigInt(String(rows[0]!.n));
  return codeAfter(highest);
}

/** The code following number `n` (k001 after 0, k1000 after 999), checked against the pattern. */
export function codeAfter(n: bigint): string {
  const code = `k${(n + 1n).toString().padStart(3, '0')}`;
  if (!isTenantCode(code)) throw errors.conflict('No tenant code is left to allocate; choose one explicitly', ErrorCode.TenantConflict);
  return code;
}

/** True when the code or the domain is already registered (any status: codes are never reused). */
export async function tenantExists(db: Pool | PoolConnection, code: string, domain: string): Promise<boolean> {
  const [rows] = await db.query<RowDataPacket[]>('SELECT 1 FROM tenants WHERE tenant_id = ? OR domain = ? LIMIT 1', [code, domain]);
  return rows.length > 0;
}

export async function prefixTaken(conn: PoolConnection, prefix: string): Promise<boolean> {
  const [rows] = await conn.query<RowDataPacket[]>('SELECT 1 FROM tenants WHERE oss_prefix = ? LIMIT 1', [prefix]);
  return rows.length > 0;
}

export interface PlanLimits {
  maxUsers: number;
  maxStorageMb: number;
}

export async function planLimits(conn: PoolConnection, plan: string): Promise<PlanLimits | null> {
  const [rows] = await conn.query<RowDataPacket[]>('SELECT max_users, max_storage_mb FROM billing_rules WHERE plan_type = ?', [plan]);
  return rows[0] ? { maxUsers: Number(rows[0].max_users), maxStorageMb: Number(rows[0].max_storage_mb) } : null;
}

export interface NewTenantRow {
  code: string;
  name: string;
  domain: string;
  databaseName: string;
  planType: string;
  limits: PlanLimits | null;
  contactName: string;
  contactEmail: string;
  contactPhone: string;
  address: string | null;
  description: string | null;
  createdBy: number | null;
  dbServerId: number;
  ossPrefix: string;
}

export async function insertTenant(conn: PoolConnection, t: NewTenantRow): Promise<number> {
  const [res] = await conn.query<import('@kg/shared').ResultSetHeader>(
    `INSERT INTO tenants
       (tenant_id, name, domain, database_name, status, plan_type, max_users, max_storage, contact_name, contact_email,
        contact_phone, address, description, created_by, db_server_id, oss_prefix)
     VALUES (?, ?, ?, ?, 'provisioning', ?, COALESCE(?, 50), COALESCE(?, 5120), ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      t.code,
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
      t.ossPrefix,
    ],
  );
  return res.insertId;
}

/** The 8 step rows (pending) and the progress summary of a new pipeline. */
export async function insertPipelineRows(
  conn: PoolConnection,
  code: string,
  jobId: string,
  adminStepDetails: Record<string, unknown> | null,
): Promise<void> {
  await conn.query(
    `INSERT INTO tenant_init_steps (tenant_id, step_name, step_order, status, details) VALUES ${CREATE_STEPS.map(() => "(?, ?, ?, 'pending', ?)").join(', ')}`,
    CREATE_STEPS.flatMap((s) => [
      code,
      s.name,
      s.order,
      s.name === 'create_admin' && adminStepDetails ? JSON.stringify(adminStepDetails) : null,
    ]),
  );
  await conn.query(
    "INSERT INTO tenant_init_progress (tenant_id, job_id, current_step, total_steps, status) VALUES (?, ?, 0, ?, 'pending')",
    [code, jobId, CREATE_STEPS.length],
  );
}

/** Which unique key a duplicate-entry error hit (MySQL and MariaDB name it in the message). */
export function duplicateKey(err: unknown): string | null {
  const e = err as { code?: string; message?: string };
  if (e?.code !== 'ER_DUP_ENTRY') return null;
  const m = /for key '(?:[^'.]*\.)?([^']+)'/.exec(e.message ?? '');
  return m ? m[1]! : 'unknown';
}
