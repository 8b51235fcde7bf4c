import { daysLeft, type CleanupStatus, type Page, type Pool, type PoolConnection, type RowDataPacket } from '@kg/shared';

export interface CleanupEntry {
  id: number;
  tenantCode: string;
  tenantName: string | null;
  tenantStatus: string | null;
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
    tenantName: r.tenant_name ?? null,
    tenantStatus: r.tenant_status ?? null,
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

/** Cleanup queue for the console: soonest due first, with days left. */
export async function listCleanup(db: Pool, f: CleanupFilter): Promise<Page<CleanupEntry>> {
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
    `SELECT c.*, t.name AS tenant_name, t.status AS tenant_status, NOW(3) AS now
       FROM tenant_resource_cleanup c LEFT JOIN tenants t ON t.tenant_id = c.tenant_code
       ${clause}
      ORDER BY c.scheduled_deletion_at, c.id
      LIMIT ? OFFSET ?`,
    [...args, f.pageSize, (f.page - 1) * f.pageSize],
  );
  const now = (rows[0]?.now as Date | undefined) ?? new Date();
  return { items: rows.map((r) => toEntry(r, now)), total: Number(count!.n), page: f.page, pageSize: f.pageSize };
}

/** One cleanup row, locked for update inside the caller's transaction. */
export async function lockCleanup(conn: PoolConnection, id: number): Promise<CleanupEntry | null> {
  const [rows] = await conn.query<RowDataPacket[]>('SELECT c.*, NOW(3) AS now FROM tenant_resource_cleanup c WHERE c.id = ? FOR UPDATE', [id]);
  return rows[0] ? toEntry(rows[0], rows[0].now as Date) : null;
}
