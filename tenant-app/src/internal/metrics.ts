import type { AppContext } from '../context';

/**
 * Gauges for the tenant connection budget and caches, read at scrape time (docs/request-path.md,
 * Metrics and health).
 */
export function registerTenantMetrics(ctx: AppContext): void {
  const { client, registry } = ctx.metrics;
  const gauge = (name: string, help: string, read: () => number) =>
    new client.Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  gauge('tenant_db_connections_open', 'MySQL connections to tenant databases open now', () => ctx.budget.stats().open);
  gauge('tenant_db_connections_busy', 'Tenant connections running a statement now', () => ctx.budget.stats().busy);
  gauge('tenant_db_connections_idle', 'Idle tenant connections', () => ctx.budget.stats().idle);
  gauge('tenant_db_connections_waiting', 'Requests waiting for a tenant connection', () => ctx.budget.stats().waiting);
  gauge('tenant_db_connections_budget', 'TENANT_DB_MAX_CONNECTIONS', () => ctx.budget.stats().budget);
  gauge('tenant_db_connections_peak', 'Most tenant connections ever open at once', () => ctx.budget.stats().peakOpen);
  gauge('tenant_db_pools_open', 'Database servers with open tenant connections (shared pools)', () => ctx.budget.stats().servers);
  gauge('tenant_db_connections_evicted', 'Idle connections closed to make room for another server', () => ctx.budget.stats().evicted);
  gauge('tenant_registry_cached', 'Tenants held in the in-process registry cache', () => ctx.tenants.size());
}
