import {
  cancelCleanupRows,
  cleanupLog,
  daysLeft,
  type CleanupStatus,
  type Connection,
  type Page,
  type ResultSetHeader,
  type RowDataPacket,
} from '@kg/shared';

/**
 * The control plane's one owner of `tenant_resource_cleanup` and `tenant_cleanup_logs`
 * (docs/data-ownership.md): the resources of a deleted tenant scheduled for purging. The
 * provisioner purges the rows; cancelling rows and appending to the log are shared functions
 * of @kg/shared that both processes call, re-exported here so this process reaches the tables
 * through this file only.
 */

export { cancelCleanupRows, cleanupLog };

export interface CleanupEntry {
  id: number;
  tenantCode: string;
  resourceType: string;
  resourceName: string | null;
  dbServerId: number | null;
  ossPath: string | null;
  status: CleanupStatus;
  scheduledDeletionAt: string;
  daysLeft: number;
  retryCount: number;
  error: string | null;
  deletionStartedAt: string | null;
  deletionCompletedAt: string | null;
  createdAt: string;
}

export interface CleanupFilter {
  page: number;
  pageSize: number;
  tenantCode?: string;
  statuses: CleanupStatus[];
  dueWithinDays?: number;
}

const iso = (d: unknown): string | null => (d instanceof Date ? d.toISOString() : d == null ? null : String(d));

function toEntry(r: RowDataPacket, now: Date): CleanupEntry {
  return {
    id: Number(r.id),
    tenantCode: r.tenant_code,
    resourceType: r.resource_type,
    resourceName: r.resource_name,
    dbServerId: r.db_server_id === null ? null : Number(r.db_server_id),
    ossPath: r.oss_path,
    status: r.status,
    scheduledDeletionAt: iso(r.scheduled_deletion_at)!,
    daysLeft: daysLeft(r.scheduled_deletion_at as Date, now),
    retryCount: Number(r.retry_count),
    error: r.error_message,
    deletionStartedAt: iso(r.deletion_started_at),
    deletionCompletedAt: iso(r.deletion_completed_at),
    createdAt: iso(r.created_at)!,
  };
}

/** Cleanup queue for the console: soonest due first, with days left by the database clock. */
export async function listCleanup(db: Connection, f: CleanupFilter): Promise<Page<CleanupEntry>> {
  const where = ['c.status IN (?)'];
  const args: unknown[] = [f.statuses];
  if (f.tenantCode) {
    where.push('c.tenant_code = ?');
    args.push(f.tenantCode);
  }
  if (f.dueWithinDays !== undefined) {
    where.push('c.scheduled_deletion_at <= NOW(3) + INTERVAL ? DAY');
    args.push(f.dueWithinDays);
  }
  const clause = `WHERE ${where.join(' AND ')}`;
  const [[count]] = await db.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM tenant_resource_cleanup c ${clause}`, args);
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT c.*, NOW(3) AS now FROM tenant_resource_cleanup c
       ${clause}
      ORDER BY c.scheduled_deletion_at, c.id
      LIMIT ? OFFSET ?`,
    [...args, f.pageSize, (f.page - 1) * f.pageSize],
  );
  const now = (rows[0]?.now as Date | undefined) ?? new Date();
  return { items: rows.map((r) => toEntry(r, now)), total: Number(count!.n), page: f.page, pageSize: f.pageSize };
}

/** One cleanup row, locked for update inside the caller's transaction. */
export async function lockCleanup(conn: Connection, id: number): Promise<CleanupEntry | null> {
  const [rows] = await conn.query<RowDataPacket[]>('SELECT c.*, NOW(3) AS now FROM tenant_resource_cleanup c WHERE c.id = ? FOR UPDATE', [id]);
  return rows[0] ? toEntry(rows[0], rows[0].now as Date) : null;
}

export interface NewCleanupRow {
  tenantCode: string;
  type: 'database' | 'oss' | 'subdomain';
  name: string | null;
  dbServerId?: number | null;
  ossPath?: string | null;
  ossBucket?: string | null;
  ossRegion?: string | null;
  scheduledDeletionAt: Date;
}

/** Schedules one resource of a deleted tenant for purging; returns the row id. */
export async function insertCleanupRow(conn: Connection, row: NewCleanupRow): Promise<number> {
  const [res] = await conn.query<ResultSetHeader>(
    `INSERT INTO tenant_resource_cleanup
       (tenant_code, resource_type, resource_name, db_server_id, oss_bucket, oss_region, oss_path, scheduled_deletion_at, status)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending')`,
    [
      row.tenantCode,
      row.type,
      row.name,
      row.dbServerId ?? null,
      row.ossBucket ?? null,
      row.ossRegion ?? null,
      row.ossPath ?? null,
      row.scheduledDeletionAt,
    ],
  );
  return res.insertId;
}

/**
 * True when the purge of the tenant's resources scheduled since `since` has begun: an entry in
 * progress or done, or a storage entry with an attempt that may have removed files already.
 */
export async function purgeHasBegun(conn: Connection, tenantCode: string, since: Date): Promise<boolean> {
  const [rows] = await conn.query<RowDataPacket[]>(
    `SELECT id FROM tenant_resource_cleanup
      WHERE tenant_code = ? AND created_at >= ?
        AND (status IN ('in_progress','completed')
             OR (resource_type = 'oss' AND deletion_started_at IS NOT NULL))`,
    [tenantCode, since],
  );
  return rows.length > 0;
}

/** Ids of the tenant's entries still to purge (pending or failed), row-locked. */
export async function lockOpenCleanupIds(conn: Connection, tenantCode: string): Promise<number[]> {
  const [rows] = await conn.query<RowDataPacket[]>(
    "SELECT id FROM tenant_resource_cleanup WHERE tenant_code = ? AND status IN ('pending','failed') FOR UPDATE",
    [tenantCode],
  );
  return rows.map((r) => Number(r.id));
}

/** A DNS record as the cleanup log kept it when deletion removed it. */
export interface RemovedDnsRecord {
  type: 'A' | 'CNAME';
  value: string;
  ttl: number;
}

/** The record removed at the tenant's last deletion (from the cleanup log), to recreate the same one. */
export async function lastRemovedDnsRecord(conn: Connection, tenantCode: string): Promise<RemovedDnsRecord | null> {
  const [rows] = await conn.query<RowDataPacket[]>(
    `SELECT details FROM tenant_cleanup_logs
      WHERE tenant_code = ? AND action = 'dns_removed' AND details IS NOT NULL ORDER BY id DESC LIMIT 1`,
    [tenantCode],
  );
  if (!rows.length) return null;
  const d = typeof rows[0]!.details === 'string' ? JSON.parse(rows[0]!.details) : rows[0]!.details;
  return d && d.type && d.value ? { type: d.type, value: String(d.value), ttl: Number(d.ttl ?? 600) } : null;
}

/**
 * The database clock: now, and now plus `graceDays` (the purge date of a deletion). Deletion
 * dates come from the database so they compare with the purge job's NOW() without clock skew.
 */
export async function databaseClock(conn: Connection, graceDays = 0): Promise<{ now: Date; due: Date }> {
  const [[row]] = await conn.query<RowDataPacket[]>('SELECT NOW(3) AS now, NOW(3) + INTERVAL ? DAY AS due', [graceDays]);
  return { now: row!.now as Date, due: row!.due as Date };
}
