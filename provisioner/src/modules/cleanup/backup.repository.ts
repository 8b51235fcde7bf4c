import type { Pool, ResultSetHeader } from '@kg/shared';

/** `data_backup_records`: one row per backup file, written while the backup runs and when it ends. */

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
