import type { CleanupStatus, Pool, PoolConnection, RowDataPacket } from '@kg/shared';

/**
 * The provisioner's only reader and writer of `tenant_resource_cleanup` (docs/data-ownership.md,
 * Provisioner). The control plane inserts the rows when it deletes a tenant; the purge moves them
 * on. Cancelling rows and the cleanup log are written by shared functions both processes use
 * (cancelCleanupRows, cleanupLog): the provisioner reaches them through here.
 */
export { cancelCleanupRows, cleanupLog } from '@kg/shared';

type Db = Pool | PoolConnection;

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

export async function findCleanup(db: Db, id: number, lock = false): Promise<CleanupRow | null> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT * FROM tenant_resource_cleanup WHERE id = ?${lock ? ' FOR UPDATE' : ''}`,
    [id],
  );
  return rows[0] ? toRow(rows[0]) : null;
}

/**
 * Cleanup rows of the given tenants (deleted, past their own purge date) the purge may work on
 * now: pending and due, plus rows left in_progress by a worker that died over an hour ago.
 */
export async function findDueCleanup(db: Db, tenantCodes: string[]): Promise<CleanupRow[]> {
  if (tenantCodes.length === 0) return [];
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT * FROM tenant_resource_cleanup
      WHERE tenant_code IN (?) AND scheduled_deletion_at <= NOW(3)
        AND (status = 'pending' OR (status = 'in_progress' AND deletion_started_at < NOW(3) - INTERVAL 1 HOUR))
      ORDER BY scheduled_deletion_at, id`,
    [tenantCodes],
  );
  return rows.map(toRow);
}

/** The control server's clock: purge dates are compared with it, never with the worker's. */
export async function databaseNow(db: Db): Promise<Date> {
  const [[clock]] = await db.query<RowDataPacket[]>('SELECT NOW(3) AS now');
  return clock!.now as Date;
}

export async function markCleanupInProgress(db: Db, id: number): Promise<void> {
  await db.query(
    "UPDATE tenant_resource_cleanup SET status = 'in_progress', deletion_started_at = COALESCE(deletion_started_at, NOW(3)) WHERE id = ?",
    [id],
  );
}

export async function markCleanupCompleted(db: Db, id: number): Promise<void> {
  await db.query(
    "UPDATE tenant_resource_cleanup SET status = 'completed', deletion_completed_at = NOW(3), error_message = NULL WHERE id = ?",
    [id],
  );
}

/** Cleanup entries per status (the `cleanup_entries{status}` gauge). */
export async function countCleanupByStatus(db: Pool): Promise<Array<{ status: string; count: number }>> {
  const [rows] = await db.query<RowDataPacket[]>('SELECT status, COUNT(*) AS n FROM tenant_resource_cleanup GROUP BY status');
  return rows.map((r) => ({ status: String(r.status), count: Number(r.n) }));
}

/**
 * Records a failed attempt inside the caller's transaction: one more retry, back to `pending`,
 * or `failed` once `maxRetries` attempts have failed.
 */
export async function recordCleanupFailure(
  conn: PoolConnection,
  id: number,
  message: string,
  maxRetries: number,
): Promise<{ retryCount: number; failed: boolean }> {
  const [[cur]] = await conn.query<RowDataPacket[]>('SELECT retry_count FROM tenant_resource_cleanup WHERE id = ? FOR UPDATE', [id]);
  const retryCount = Number(cur!.retry_count) + 1;
  const failed = retryCount >= maxRetries;
  await conn.query('UPDATE tenant_resource_cleanup SET status = ?, retry_count = ?, error_message = ? WHERE id = ?', [
    failed ? 'failed' : 'pending',
    retryCount,
    message,
    id,
  ]);
  return { retryCount, failed };
}

/**
 * Cleanup rows of a tenant created since `since` (its latest deletion): how many are still open
 * (pending, in progress or failed) and how many completed.
 */
export async function countTenantCleanup(db: Db, tenantCode: string, since: Date): Promise<{ open: number; completed: number }> {
  const [[counts]] = await db.query<RowDataPacket[]>(
    `SELECT SUM(status IN ('pending','in_progress','failed')) AS open_rows, SUM(status = 'completed') AS done_rows
       FROM tenant_resource_cleanup WHERE tenant_code = ? AND created_at >= ?`,
    [tenantCode, since],
  );
  return { open: Number(counts!.open_rows ?? 0), completed: Number(counts!.done_rows ?? 0) };
}

export interface StartedCleanup {
  id: number;
  status: 'pending' | 'in_progress';
  retryCount: number;
  /** Milliseconds since the row last changed. */
  idleMs: number;
}

/**
 * Cleanup rows whose purge has begun and is owed a job: `in_progress` (a worker claimed it), or
 * `pending` after a failed attempt (BullMQ's backoff retry holds it).
 */
export async function findStartedCleanup(db: Db): Promise<StartedCleanup[]> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT id, status, retry_count, TIMESTAMPDIFF(MICROSECOND, updated_at, NOW(3)) DIV 1000 AS idle_ms
       FROM tenant_resource_cleanup
      WHERE status = 'in_progress' OR (status = 'pending' AND retry_count > 0)
      ORDER BY id`,
  );
  return rows.map((r) => ({ id: Number(r.id), status: r.status, retryCount: Number(r.retry_count), idleMs: Number(r.idle_ms) }));
}
