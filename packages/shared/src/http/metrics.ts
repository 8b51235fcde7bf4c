import crypto from 'node:crypto';
import type { Request, RequestHandler, Response, Router } from 'express';
import express from 'express';
import client from 'prom-client';

/**
 * A Prometheus registry per process with default metrics and an HTTP latency histogram labelled
 * by route pattern (never the raw URL, so cardinality stays bounded).
 */
export function createMetrics(service: string) {
  const registry = new client.Registry();
  registry.setDefaultLabels({ service });
  client.collectDefaultMetrics({ register: registry });
  const httpDuration = new client.Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });

  /** Records one finished request that took `seconds` (for apps that time requests themselves). */
  const observeRequest = (req: Request, res: Response, seconds: number) => {
    const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
    httpDuration.observe({ method: req.method, route, status: String(res.statusCode) }, seconds);
  };

  const middleware: RequestHandler = (req, res, next) => {
    const started = performance.now();
    res.on('finish', () => observeRequest(req, res, (performance.now() - started) / 1000));
    next();
  };

  // What /metrics renders: this process's registry, or every instance's (cluster-metrics.ts).
  let source: (() => Promise<string>) | undefined;
  const useSource = (render: (() => Promise<string>) | undefined) => {
    source = render;
  };

  // Who may read /metrics (metricsAccess below); everyone when unset.
  let guard: ((req: Request) => boolean) | undefined;
  const useGuard = (allow: ((req: Request) => boolean) | undefined) => {
    guard = allow;
  };

  const router: Router = express.Router();
  router.get('/metrics', async (req, res, next) => {
    if (guard && !guard(req)) {
      res.status(404).end();
      return;
    }
    try {
      res.set('Content-Type', registry.contentType);
      res.end(await (source ? source() : registry.metrics()));
    } catch (err) {
      next(err);
    }
  });

  return { registry, middleware, observeRequest, router, client, useSource, useGuard };
}

export type Metrics = ReturnType<typeof createMetrics>;

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * Who may read /metrics: a request with `Authorization: Bearer <METRICS_TOKEN>` when a token is
 * set; in production otherwise only a direct loopback connection (a scraper on the same host;
 * anything that came through a proxy carries X-Forwarded-For and is refused), elsewhere anyone.
 * Refusals answer 404, so the endpoint is not advertised (docs/operations.md, Metrics and alerts).
 */
export function metricsAccess(opts: { production: boolean; token?: string }): (req: Request) => boolean {
  const expected = opts.token ? crypto.createHash('sha256').update(opts.token).digest() : undefined;
  return (req) => {
    const auth = req.headers.authorization;
    if (expected && auth?.startsWith('Bearer ')) {
      const given = crypto.createHash('sha256').update(auth.slice(7)).digest();
      if (crypto.timingSafeEqual(given, expected)) return true;
    }
    if (!opts.production) return true;
    return LOOPBACK.has(req.socket.remoteAddress ?? '') && req.headers['x-forwarded-for'] === undefined;
  };
}
