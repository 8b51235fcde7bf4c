import type { Pool } from '../mysql';
import type { Metrics } from './metrics';

/** The callback pool behind mysql2's promise pool; its counters are not in the public types. */
interface PoolInternals {
  config: { connectionLimit?: number };
  _allConnections?: { length: number };
  _freeConnections?: { length: number };
  _connectionQueue?: { length: number };
}

/**
 * `db_pool_connections_open|idle{pool}`, `db_pool_requests_waiting{pool}` and
 * `db_pool_connection_limit{pool}` for MySQL pools, read at scrape time. Waiters above zero for
 * minutes mean the pool is too small or queries too slow (deploy/prometheus/operations.rules.yml).
 */
export function registerPoolMetrics(metrics: Metrics, pools: Record<string, Pool>): void {
  const read = (pool: Pool) => (pool as unknown as { pool: PoolInternals }).pool;
  const gauge = (name: string, help: string, value: (p: PoolInternals) => number) =>
    new metrics.client.Gauge({
      name,
      help,
      labelNames: ['pool'] as const,
      registers: [metrics.registry],
      collect() {
        for (const [label, pool] of Object.entries(pools)) this.set({ pool: label }, value(read(pool)));
      },
    });
  gauge('db_pool_connections_open', 'MySQL connections open in the pool', (p) => p._allConnections?.length ?? 0);
  gauge('db_pool_connections_idle', 'Idle MySQL connections in the pool', (p) => p._freeConnections?.length ?? 0);
  gauge('db_pool_requests_waiting', 'Queries waiting for a connection of the pool', (p) => p._connectionQueue?.length ?? 0);
  gauge('db_pool_connection_limit', 'connectionLimit of the pool', (p) => p.config.connectionLimit ?? 0);
}
