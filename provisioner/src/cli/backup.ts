import { parseArgs } from 'node:util';
import { ConfigError } from '@kg/shared';
import { loadConfig } from '../config';
import { buildContext, closeContext } from '../internal/build-context';
import { runBackups } from '../modules/backup/backup-run.service';

const USAGE = `Backup (docs/operations.md, Backups)

  npm run backup [-- --concurrency N]
      Dumps the control DB, the template and every tenant DB (mysqldump --single-transaction,
      gzip, SHA-256) into BACKUP_DIR, records each in data_backup_records, then removes
      backups older than BACKUP_RETENTION_DAYS. Exits 1 when any database failed.
`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { concurrency: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const ctx = await buildContext(loadConfig());
  try {
    const summary = await runBackups(ctx, {
      backupType: 'manual',
      concurrency: values.concurrency ? Number(values.concurrency) : undefined,
      onProgress: (p) => {
        const what = `${p.item.databaseName}${p.item.tenantCode ? ` (${p.item.tenantCode})` : ''}`;
        const outcome = p.error ? `FAILED: ${p.error}` : `${Math.round(p.result!.size / 1024)} KB`;
        console.log(`[${p.done}/${p.total}] ${what} ${outcome} ${Math.round(p.ms)} ms`);
      },
    });
    console.log(
      `${summary.completed} of ${summary.total} databases backed up (${Math.round(summary.bytes / 1024)} KB) in ${(summary.ms / 1000).toFixed(1)} s; ` +
        `${summary.failed.length} failed; ${summary.expiredRemoved} expired backups removed`,
    );
    return summary.failed.length ? 1 : 0;
  } finally {
    await closeContext(ctx);
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(err instanceof ConfigError ? `${err.message}\n` : `backup failed: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
