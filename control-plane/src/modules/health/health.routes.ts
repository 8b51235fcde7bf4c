import { Router } from 'express';
import { checkHealth } from '@kg/shared';
import type { AppContext } from '../../context';
import { registry, z } from '../../http/openapi';

const healthSchema = z
  .object({
    status: z.enum(['ok', 'degraded']),
    mysql: z.object({ status: z.enum(['up', 'down']), latencyMs: z.number().optional(), error: z.string().optional() }),
    redis: z.object({ status: z.enum(['up', 'down']), latencyMs: z.number().optional(), error: z.string().optional() }),
    uptimeSeconds: z.number(),
  })
  .openapi('Health');

registry.registerPath({
  method: 'get',
  path: '/api/health',
  summary: 'MySQL and Redis reachability; 503 when either is down',
  tags: ['ops'],
  responses: {
    200: { description: 'Both stores reachable', content: { 'application/json': { schema: z.object({ success: z.literal(true), data: healthSchema }) } } },
    503: { description: 'A store is down; error.details holds the report' },
  },
});
registry.registerPath({
  method: 'get',
  path: '/.well-known/jwks.json',
  summary: 'Public keys that verify access tokens (RS256)',
  tags: ['auth'],
  responses: { 200: { description: 'JWK set', content: { 'application/json': { schema: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }) } } } },
});
registry.registerPath({
  method: 'get',
  path: '/metrics',
  summary: 'Prometheus metrics',
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

export function healthRoutes(ctx: AppContext): Router {
  const router = Router();
  router.get('/api/health', async (_req, res) => {
    const report = await checkHealth(ctx.db, ctx.redis);
    // The failure body keeps the report so operators see which store is down.
    if (report.status === 'ok') res.json({ success: true, data: report });
    else res.status(503).json({ success: false, error: { code: 'SERVICE_UNAVAILABLE', message: 'MySQL or Redis is unavailable', details: report }, data: report });
  });
  router.get('/.well-known/jwks.json', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300');
    res.json(ctx.keys.jwks());
  });
  return router;
}
