import type { ProvisionerContext } from '../../context';
import type { Schedule } from '../../jobs/job';
import { utcDay } from '../cleanup/queue';
import { runBackups } from './backup-run.service';

/** Kept past the day so a replica whose clock fires late does not run the day again. */
const CLAIM_SECONDS = 2 * 86_400;

/**
 * Runs the day's backup in the replica that claims the day in Redis first (SET NX), so one
 * backup runs however many provisioner replicas there are. Returns false when another replica
 * has the day.
 */
export async function runDailyBackup(ctx: ProvisionerContext, day = utcDay()): Promise<boolean> {
  const marker = `${ctx.config.REDIS_KEY_PREFIX}schedule:backup:${day}`;
  if ((await ctx.redis.set(marker, String(process.pid), 'EX', CLAIM_SECONDS, 'NX')) !== 'OK') return false;
  ctx.logger.info({ day }, 'backup started');
  const summary = await runBackups(ctx, {
    backupType: 'scheduled',
    onProgress: (p) => {
      if (p.error) ctx.logger.error({ database: p.item.databaseName, err: p.error }, 'backup of a database failed');
      if (p.done % 50 === 0 || p.done === p.total) ctx.logger.info({ done: p.done, total: p.total, failed: p.failed }, 'backup progress');
    },
  });
  const level = summary.failed.length ? 'error' : 'info';
  ctx.logger[level]({ ...summary, failed: summary.failed.length, failures: summary.failed.slice(0, 20) }, 'backup finished');
  return true;
}

/** BACKUP_CRON: the daily backup of the control DB, the template and every tenant DB. */
export const dailyBackupSchedule: Schedule = {
  name: 'daily-backup',
  cron: (config) => config.BACKUP_CRON,
  async run(ctx) {
    await runDailyBackup(ctx);
  },
};
