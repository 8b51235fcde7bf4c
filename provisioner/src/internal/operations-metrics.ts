import type { ProvisionerContext } from '../context';
import { lastBackupState } from '../modules/cleanup/backup.repository';
import { countCleanupByStatus } from '../modules/cleanup/cleanup.repository';
import { countTenantsByStatus } from '../modules/tenants/tenant.repository';

/**
 * Gauges read from the control DB when /metrics is scraped: `tenants{status}`,
 * `cleanup_entries{status}`, `backup_last_success_timestamp_seconds` and
 * `backup_failures_last_day`; the alerts of deploy/prometheus/operations.rules.yml use them
 * (docs/operations.md, Metrics and alerts). Every replica reports the same values: alert on max().
 */
export function registerOperationsMetrics(ctx: ProvisionerContext): void {
  const { client, registry } = ctx.metrics;
  new client.Gauge({
    name: 'tenants',
    help: 'Tenants per status',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const { status, count } of await countTenantsByStatus(ctx.db)) this.set({ status }, count);
    },
  });
  new client.Gauge({
    name: 'cleanup_entries',
    help: 'Resource cleanup (purge) entries per status',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const { status, count } of await countCleanupByStatus(ctx.db)) this.set({ status }, count);
    },
  });
  new client.Gauge({
    name: 'backup_failures_last_day',
    help: 'Scheduled or manual database backups that failed in the last 24 hours',
    registers: [registry],
    async collect() {
      this.set((await lastBackupState(ctx.db)).failedLastDay);
    },
  });
  new client.Gauge({
    name: 'backup_last_success_timestamp_seconds',
    help: 'When the newest scheduled or manual backup completed (0 before the first)',
    registers: [registry],
    async collect() {
      const { lastSuccess } = await lastBackupState(ctx.db);
      this.set(lastSuccess ? lastSuccess.getTime() / 1000 : 0);
    },
  });
}
