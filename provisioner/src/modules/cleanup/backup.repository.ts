import type { Pool, ResultSetHeader, RowDataPacket } from '@kg/shared';

/**
 * `data_backup_records`: one row per backup file, written while the backup runs and when it ends,
 * read back by restore, retention and the backup-age metric (docs/operations.md, Backups).
 */

export interface BackupRecord {
  tenantCode: string | null;
  databaseName: string;
  dbServerId: number | null;
  backupType: 'pre_purge' | 'manual' | 'scheduled';
  filePath: string;
}

/** Records a backup as `running`; returns its id. */
export async function insertRunningBackup(db: Pool, b: BackupRecord): Promise<number> {
  const [res] = await db.query<ResultSetHeader>(
    `INSERT INTO data_backup_records (tenant_code, database_name, db_server_id, backup_type, file_path, status)
     VALUES (?, ?, ?, ?, ?, 'running')`,
    [b.tenantCode, b.databaseName, b.dbServerId, b.backupType, b.filePath],
  );
  return res.insertId;
}

export async function markBackupCompleted(db: Pool, id: number, fileSize: number, sha256: string): Promise<void> {
  await db.query("UPDATE data_backup_records SET status = 'completed', file_size = ?, checksum = ?, completed_at = NOW(3) WHERE id = ?", [
    fileSize,
    sha256,
    id,
  ]);
}

export async function markBackupFailed(db: Pool, id: number, message: string): Promise<void> {
  await db.query("UPDATE data_backup_records SET status = 'failed', error_message = ?, completed_at = NOW(3) WHERE id = ?", [
    message.slice(0, 10_000),
    id,
  ]);
}

/** A backup file as restore and retention read it back. */
export interface StoredBackup {
  id: number;
  tenantCode: string | null;
  databaseName: string;
  filePath: string;
  checksum: string;
  completedAt: Date;
}

function toStoredBackup(r: RowDataPacket): StoredBackup {
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
export async function latestTenantBackup(db: Pool, tenantCode: string, databaseName: string): Promise<StoredBackup | null> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT id, tenant_code, database_name, file_path, checksum, completed_at FROM data_backup_records
      WHERE tenant_code = ? AND database_name = ? AND status = 'completed' AND file_path IS NOT NULL
      ORDER BY completed_at DESC, id DESC LIMIT 1`,
    [tenantCode, databaseName],
  );
  return rows[0] ? toStoredBackup(rows[0]) : null;
}

/** The completed backup recorded for a file, if any. */
export async function backupByFile(db: Pool, filePath: string): Promise<StoredBackup | null> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT id, tenant_code, database_name, file_path, checksum, completed_at FROM data_backup_records
      WHERE file_path = ? AND status = 'completed' ORDER BY id DESC LIMIT 1`,
    [filePath],
  );
  return rows[0] ? toStoredBackup(rows[0]) : null;
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

export async function deleteStoredBackups(db: Pool, ids: number[]): Promise<void> {
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
