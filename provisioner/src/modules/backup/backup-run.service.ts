import fs from 'node:fs';
import { mysqlTargetFromConfig, type MysqlTarget } from '@kg/shared';
import type { ProvisionerContext } from '../../context';
import { backupDatabase, type BackupResult } from '../cleanup/backup';
import { tenantServer } from '../create/servers';
import { deleteStoredBackups, expiredBackups } from '../cleanup/backup.repository';
import { listTenantsByStatus } from '../tenants/tenant.repository';

/** Tenants that hold a database: every status from active until the purge drops it. */
const WITH_DATABASE = ['active', 'inactive', 'suspended', 'deleted'] as const;

export interface BackupItem {
  tenantCode: string | null;
  databaseName: string;
  dbServerId: number | null;
}

export interface BackupProgress {
  done: number;
  total: number;
  failed: number;
  item: BackupItem;
  result?: BackupResult;
  error?: string;
  ms: number;
}

export interface BackupRunSummary {
  total: number;
  completed: number;
  failed: Array<{ databaseName: string; error: string }>;
  bytes: number;
  expiredRemoved: number;
  ms: number;
}

/** The control DB, the template, then every tenant database (docs/operations.md, Backups). */
export async function backupItems(ctx: ProvisionerContext): Promise<BackupItem[]> {
  const tenants = await listTenantsByStatus(ctx.db, WITH_DATABASE);
  return [
    { tenantCode: null, databaseName: ctx.config.CONTROL_DB_NAME, dbServerId: null },
    { tenantCode: null, databaseName: ctx.config.TEMPLATE_DB_NAME, dbServerId: null },
    ...tenants.map((t) => ({ tenantCode: t.tenantCode, databaseName: t.databaseName, dbServerId: t.dbServerId })),
  ];
}

/**
 * Backs up every database with at most BACKUP_CONCURRENCY dumps at once (mysqldump
 * --single-transaction, gzip, SHA-256, one data_backup_records row each), then removes backups
 * older than BACKUP_RETENTION_DAYS. One database's failure is recorded and the run goes on.
 */
export async function runBackups(
  ctx: ProvisionerContext,
  opts: { backupType: 'scheduled' | 'manual'; concurrency?: number; onProgress?: (p: BackupProgress) => void; items?: BackupItem[] },
): Promise<BackupRunSummary> {
  const started = performance.now();
  const items = opts.items ?? (await backupItems(ctx));
  const mainTarget = mysqlTargetFromConfig(ctx.config);
  const targets = new Map<number, Promise<MysqlTarget>>();
  const targetOf = (serverId: number | null): Promise<MysqlTarget> => {
    if (serverId === null) return Promise.resolve(mainTarget);
    let t = targets.get(serverId);
    if (!t) targets.set(serverId, (t = tenantServer(ctx.db, serverId).then((s) => s.target)));
    return t;
  };
  const summary: BackupRunSummary = { total: items.length, completed: 0, failed: [], bytes: 0, expiredRemoved: 0, ms: 0 };
  let next = 0;
  let done = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) {
      const item = items[i]!;
      const t0 = performance.now();
      let result: BackupResult | undefined;
      let error: string | undefined;
      try {
        result = await backupDatabase(ctx.db, await targetOf(item.dbServerId), item.databaseName, {
          dir: ctx.config.BACKUP_DIR,
          mysqldump: ctx.config.BACKUP_MYSQLDUMP,
          tenantCode: item.tenantCode,
          dbServerId: item.dbServerId,
          backupType: opts.backupType,
        });
        summary.completed++;
        summary.bytes += result.size;
      } catch (err) {
        error = (err as Error).message;
        summary.failed.push({ databaseName: item.databaseName, error });
      }
      done++;
      opts.onProgress?.({ done, total: items.length, failed: summary.failed.length, item, result, error, ms: performance.now() - t0 });
    }
  };
  const concurrency = Math.max(1, opts.concurrency ?? ctx.config.BACKUP_CONCURRENCY);
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  summary.expiredRemoved = await removeExpiredBackups(ctx);
  summary.ms = performance.now() - started;
  return summary;
}

/** Deletes the files and records of backups older than BACKUP_RETENTION_DAYS; returns how many. */
export async function removeExpiredBackups(ctx: ProvisionerContext): Promise<number> {
  const expired = await expiredBackups(ctx.db, ctx.config.BACKUP_RETENTION_DAYS);
  for (const b of expired) if (b.filePath) await fs.promises.rm(b.filePath, { force: true });
  await deleteStoredBackups(ctx.db, expired.map((b) => b.id));
  return expired.length;
}
