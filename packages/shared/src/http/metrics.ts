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

  const router: Router = express.Router();
  // Who may read it is metricsAccess's rule (metrics-access.ts), mounted in front by each app.
  router.get('/metrics', async (_req, res, next) => {
    try {
      res.set('Content-Type', registry.contentType);
      res.end(await (source ? source() : registry.metrics()));
    } catch (err) {
      next(err);
    }
  });

  return { registry, middleware, observeRequest, router, client, useSource };
}

export type Metrics = ReturnType<typeof createMetrics>;
