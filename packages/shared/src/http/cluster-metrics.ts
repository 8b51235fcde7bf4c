import os from 'node:os';
import type { Redis } from 'ioredis';
import client from 'prom-client';
import type { Metrics } from './metrics';

type MetricsJson = Awaited<ReturnType<client.Registry['getMetricsAsJSON']>>;

export interface ClusterMetricsOptions {
  /** Redis hash holding one entry per live instance of this service. */
  key: string;
  /** How often an instance publishes its metrics (also done on every scrape it answers). */
  publishMs?: number;
  /** Entries older than this belong to instances that have gone; they are dropped. */
  staleMs?: number;
}

/**
 * Makes /metrics of any one instance show the metrics of every instance of the service.
 * PM2 cluster workers are children of PM2's daemon, not of a node cluster primary we run, so
 * prom-client's AggregatorRegistry cannot ask them over IPC; instead each instance publishes
 * `getMetricsAsJSON()` into one Redis hash and a scrape aggregates the fresh entries with
 * `AggregatorRegistry.aggregate` (counters and histograms summed, gauges by their aggregator)
 * (docs/operations.md, Metrics and alerts). Returns a stop function that removes this instance.
 */
export function aggregateAcrossInstances(metrics: Metrics, redis: Redis, opts: ClusterMetricsOptions): () => Promise<void> {
  const field = `${os.hostname()}:${process.pid}`;
  const publishMs = opts.publishMs ?? 5_000;
  const staleMs = opts.staleMs ?? Math.max(15_000, publishMs * 3);

  const publish = async () => {
    const entry = JSON.stringify({ at: Date.now(), metrics: await metrics.registry.getMetricsAsJSON() });
    await redis.multi().hset(opts.key, field, entry).pexpire(opts.key, staleMs * 4).exec();
  };
  const timer = setInterval(() => {
    publish().catch(() => undefined);
  }, publishMs);
  timer.unref();
  void publish().catch(() => undefined);

  metrics.useSource(async () => {
    await publish();
    const entries = await redis.hgetall(opts.key);
    const now = Date.now();
    const fresh: MetricsJson[] = [];
    const stale: string[] = [];
    for (const [name, raw] of Object.entries(entries)) {
      const parsed = JSON.parse(raw) as { at: number; metrics: MetricsJson };
      if (now - parsed.at > staleMs) stale.push(name);
      else fresh.push(parsed.metrics);
    }
    if (stale.length) await redis.hdel(opts.key, ...stale);
    return client.AggregatorRegistry.aggregate(fresh).metrics();
  });

  return async () => {
    clearInterval(timer);
    metrics.useSource(undefined);
    await redis.hdel(opts.key, field).catch(() => undefined);
  };
}
