import { Router } from 'express';
import { checkHealth, sendHealth } from '@kg/shared';
import { healthProbeSchema, registerOpsPaths } from '@kg/shared/http/openapi';
import type { AppContext } from '../../context';
import { registry, z } from '../../http/openapi';

const healthSchema = z
  .object({
    status: z.enum(['ok', 'degraded']),
    mysql: healthProbeSchema,
    redis: healthProbeSchema,
    uptimeSeconds: z.number(),
  })
  .openapi('Health');

registerOpsPaths(registry, {
  healthSchema,
  healthSummary: 'MySQL and Redis reachability; 503 when either is down',
  metricsSummary: 'Prometheus metrics',
});
registry.registerPath({
  method: 'get',
  path: '/.well-known/jwks.json',
  summary: 'Public keys that verify access tokens (RS256)',
  tags: ['auth'],
  security: [],
  responses: { 200: { description: 'JWK set', content: { 'application/json': { schema: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }) } } } },
});

export function healthRoutes(ctx: AppContext): Router {
  const router = Router();
  router.get('/api/health', async (_req, res) => {
    sendHealth(res, await checkHealth(ctx.db, ctx.redis));
  });
  router.get('/.well-known/jwks.json', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300');
    res.json(ctx.keys.jwks());
  });
  return router;
}
