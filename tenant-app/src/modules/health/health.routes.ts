import { Router } from 'express';
import { checkHealth } from '@kg/shared';
import type { AppContext } from '../../context';
import { registry, z } from '../../http/openapi';

const probe = z.object({ status: z.enum(['up', 'down']), latencyMs: z.number().optional(), error: z.string().optional() });
const healthSchema = z
  .object({
    status: z.enum(['ok', 'degraded']),
    mysql: probe,
    redis: probe,
    uptimeSeconds: z.number(),
    tenantConnections: z.object({ budget: z.number(), open: z.number(), busy: z.number(), waiting: z.number() }),
  })
  .openapi('Health');

registry.registerPath({
  method: 'get',
  path: '/api/health',
  summary: 'MySQL (control database) and Redis reachability, tenant connection budget; 503 when a store is down',
  tags: ['ops'],
  responses: {
    200: { description: 'Both stores reachable', content: { 'application/json': { schema: z.object({ success: z.literal(true), data: healthSchema }) } } },
    503: { description: 'A store is down; error.details holds the report' },
  },
});
registry.registerPath({
  method: 'get',
  path: '/metrics',
  summary: 'Prometheus metrics (request latency, tenant connections and pools)',
  tags: ['ops'],
  responses: { 200: { description: 'Prometheus text format' } },
});
registry.registerPath({
  method: 'get',
  path: '/api/openapi.json',
  summary: 'This document',
  tags: ['ops'],
  responses: { 200: { description: 'OpenAPI 3.1 document' } },
});

/** GET /api/health: public, not tenant-scoped. */
export function healthRoutes(ctx: AppContext): Router {
  const router = Router();
  router.get('/api/health', async (_req, res) => {
    const report = await checkHealth(ctx.controlDb, ctx.redis);
    const s = ctx.budget.stats();
    const data = { ...report, tenantConnections: { budget: s.budget, open: s.open, busy: s.busy, waiting: s.waiting } };
    if (report.status === 'ok') res.json({ success: true, data });
    else res.status(503).json({ success: false, error: { code: 'SERVICE_UNAVAILABLE', message: 'MySQL or Redis is unavailable', details: data } });
  });
  return router;
}
