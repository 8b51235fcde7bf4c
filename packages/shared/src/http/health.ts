import type { Pool } from 'mysql2/promise';
import type { Redis } from 'ioredis';
import type { Response } from 'express';

export interface HealthReport {
  status: 'ok' | 'degraded';
  mysql: { status: 'up' | 'down'; latencyMs?: number; error?: ProbeFailure };
  redis: { status: 'up' | 'down'; latencyMs?: number; error?: ProbeFailure };
  uptimeSeconds: number;
}

/**
 * Why a store is down, in our words only: health is public, and a driver's message names hosts,
 * ports and accounts (docs/security.md, "Secrets and logs").
 */
export type ProbeFailure = 'timeout' | 'unreachable';

class ProbeTimeout extends Error {}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new ProbeTimeout(`${what} did not answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function probe(fn: () => Promise<unknown>, what: string, timeoutMs: number) {
  const started = performance.now();
  try {
    await withTimeout(fn(), timeoutMs, what);
    return { status: 'up' as const, latencyMs: Math.round((performance.now() - started) * 10) / 10 };
  } catch (err) {
    return { status: 'down' as const, error: (err instanceof ProbeTimeout ? 'timeout' : 'unreachable') as ProbeFailure };
  }
}

/** Checks MySQL (`SELECT 1`) and Redis (`PING`) in parallel, each bounded by a timeout. */
export async function checkHealth(pool: Pool, redis: Redis, timeoutMs = 1500): Promise<HealthReport> {
  const [mysql, redisStatus] = await Promise.all([
    probe(() => pool.query('SELECT 1'), 'MySQL', timeoutMs),
    probe(() => redis.ping(), 'Redis', timeoutMs),
  ]);
  return {
    status: mysql.status === 'up' && redisStatus.status === 'up' ? 'ok' : 'degraded',
    mysql,
    redis: redisStatus,
    uptimeSeconds: Math.round(process.uptime()),
  };
}

/**
 * Answers a health check: 200 with the report, or 503 SERVICE_UNAVAILABLE whose details keep the
 * report so operators see which store is down. `data` may extend the report with app facts.
 */
export function sendHealth(res: Response, report: HealthReport, data: object = report): void {
  if (report.status === 'ok') res.json({ success: true, data });
  else {
    res.status(503).json({
      success: false,
      error: { code: 'SERVICE_UNAVAILABLE', message: 'MySQL or Redis is unavailable', details: data },
    });
  }
}
