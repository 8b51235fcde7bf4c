import type { CleanupStatus, Pool, PoolConnection, RowDataPacket } from '@kg/shared';

export type ResourceType = 'database' | 'oss' | 'subdomain' | 'other';

export interface CleanupRow {
  id: number;
  tenantCode: string;
  resourceType: ResourceType;
  resourceName: string | null;
  dbServerId: number | null;
  ossPath: string | null;
  status: CleanupStatus;
  scheduledDeletionAt: Date;
  retryCount: number;
}

function toRow(r: RowDataPacket): CleanupRow {
  return {
    id: Number(r.id),
    tenantCode: r.tenant_code,
    resourceType: r.resource_type,
    resourceName: r.resource_name,
    dbServerId: r.db_server_id === null ? null : Number(r.db_server_id),
    ossPath: r.oss_path,
    status: r.status,
    scheduledDeletionAt: r.scheduled_deletion_at,
    retryCount: Number(r.retry_count),
  };
}

export async function findCleanup(db: Pool | PoolConnection, id: number, lock = false): Promise<CleanupRow | null> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT * FROM tenant_resource_cleanup WHERE id = ?${lock ? ' FOR UPDATE' : ''}`,
    [id],
  );
  return rows[0] ? toRow(rows[0]) : null;
}

/**
 * Cleanup rows the purge may work on now: pending and due, of a tenant that is still deleted and
 * whose own purge date has passed; plus rows left in_progress by a worker that died over an hour ago.
 */
export async function findDueCleanup(db: Pool): Promise<CleanupRow[]> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT c.* FROM tenant_resource_cleanup c JOIN tenants t ON t.tenant_id = c.tenant_code
      WHERE t.status = 'deleted' AND t.scheduled_deletion_at <= NOW(3) AND c.scheduled_deletion_at <= NOW(3)
        AND (c.status = 'pending' OR (c.status = 'in_progress' AND c.deletion_started_at < NOW(3) - INTERVAL 1 HOUR))
      ORDER BY c.scheduled_deletion_at, c.id`,
  );
  return rows.map(toRow);
}

export interface TenantForPurge {
  tenantCode: string;
  status: string;
  scheduledDeletionAt: Date | null;
  deletedAt: Date | null;
}

/** Row-locks a tenant inside the caller's transaction (lock order: tenant, then cleanup rows). */
export async function lockTenantForPurge(conn: PoolConnection, code: string): Promise<TenantForPurge | null> {
  const [rows] = await conn.query<RowDataPacket[]>(
    'SELECT tenant_id, status, scheduled_deletion_at, deleted_at FROM tenants WHERE tenant_id = ? FOR UPDATE',
    [code],
  );
  const r = rows[0];
  return r
    ? { tenantCode: r.tenant_id, status: r.status, scheduledDeletionAt: r.scheduled_deletion_at, deletedAt: r.deleted_at }
    : null;
}

/** Writes a security_events row (a purge that keeps failing needs a human). */
export async function securityEvent(
  conn: Pool | PoolConnection,
  e: { type: string; severity: 'low' | 'medium' | 'high' | 'critical'; tenantCode: string; subjectType: string; subjectId: string; details: unknown },
): Promise<void> {
  await conn.query(
    `INSERT INTO security_events (event_type, severity, subject_type, subject_id, tenant_code, details)
     VALUES (?, ?, ?, ?, ?, ?)`,
    [e.type, e.severity, e.subjectType, e.subjectId, e.tenantCode, JSON.stringify(e.details)],
  );
}

/** Cleanup entries per status (the `cleanup_entries{status}` gauge). */
export async function countCleanupByStatus(db: Pool): Promise<Array<{ status: string; count: number }>> {
  const [rows] = await db.query<RowDataPacket[]>('SELECT status, COUNT(*) AS n FROM tenant_resource_cleanup GROUP BY status');
  return rows.map((r) => ({ status: String(r.status), count: Number(r.n) }));
}
