import type { Pool, RowDataPacket } from '@kg/shared';

/**
 * The control-DB queries of the backup and restore commands (docs/operations.md, Backups).
 * data_backup_records rows are created and completed by cleanup/backup.ts; this file reads them
 * and deletes expired ones.
 */

/** A tenant whose database exists and is backed up. */
export interface BackupTenant {
  tenantCode: string;
  databaseName: string;
  dbServerId: number | null;
  status: string;
}

/** Tenants that hold a database: every status from active until the purge drops it. */
export async function listBackupTenants(db: Pool): Promise<BackupTenant[]> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT tenant_id, database_name, db_server_id, status FROM tenants
      WHERE status IN ('active','inactive','suspended','deleted') ORDER BY id`,
  );
  return rows.map((r) => ({
    tenantCode: String(r.tenant_id),
    databaseName: String(r.database_name),
    dbServerId: r.db_server_id === null ? null : Number(r.db_server_id),
    status: String(r.status),
  }));
}

export interface BackupRecord {
  id: number;
  tenantCode: string | null;
  databaseName: string;
  filePath: string;
  checksum: string;
  completedAt: Date;
}

function toRecord(r: RowDataPacket): BackupRecord {
  return {
    id: Number(r.id),
    tenantCode: r.tenant_code,
    databaseName: String(r.database_name),
    filePath: String(r.file_path),
    checksum: String(r.checksum),
    completedAt: r.completed_at as Date,
  };
}

/** The newest completed backup of a tenant's database. */
export async function latestTenantBackup(db: Pool, tenantCode: string, databaseName: string): Promise<BackupRecord | null> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT id, tenant_code, database_name, file_path, checksum, completed_at FROM data_backup_records
      WHERE tenant_code = ? AND database_name = ? AND status = 'completed' AND file_path IS NOT NULL
      ORDER BY completed_at DESC, id DESC LIMIT 1`,
    [tenantCode, databaseName],
  );
  return rows[0] ? toRecord(rows[0]) : null;
}

/** The completed backup recorded for a file, if any. */
export async function backupByFile(db: Pool, filePath: string): Promise<BackupRecord | null> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT id, tenant_code, database_name, file_path, checksum, completed_at FROM data_backup_records
      WHERE file_path = ? AND status = 'completed' ORDER BY id DESC LIMIT 1`,
    [filePath],
  );
  return rows[0] ? toRecord(rows[0]) : null;
}

/**
 * Scheduled and manual backups older than the retention. Final backups before a purge are kept:
 * they are the only copy of a purged tenant.
 */
export async function expiredBackups(db: Pool, retentionDays: number): Promise<Array<{ id: number; filePath: string | null }>> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT id, file_path FROM data_backup_records
      WHERE backup_type IN ('scheduled','manual') AND status <> 'running' AND started_at < NOW(3) - INTERVAL ? DAY`,
    [retentionDays],
  );
  return rows.map((r) => ({ id: Number(r.id), filePath: r.file_path }));
}

export async function deleteBackupRecords(db: Pool, ids: number[]): Promise<void> {
  if (ids.length) await db.query('DELETE FROM data_backup_records WHERE id IN (?)', [ids]);
}

/** When the newest scheduled or manual backup completed, and how many failed in the last day. */
export async function lastBackupState(db: Pool): Promise<{ lastSuccess: Date | null; failedLastDay: number }> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT MAX(CASE WHEN status = 'completed' THEN completed_at END) AS at,
            SUM(status = 'failed' AND started_at > NOW(3) - INTERVAL 1 DAY) AS failed
       FROM data_backup_records WHERE backup_type IN ('scheduled','manual')`,
  );
  return { lastSuccess: (rows[0]?.at as Date | null) ?? null, failedLastDay: Number(rows[0]?.failed ?? 0) };
}
