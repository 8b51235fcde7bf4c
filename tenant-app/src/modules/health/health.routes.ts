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
    tenantConnections: z.object({ budget: z.number(), open: z.number(), busy: z.number(), waiting: z.number() }),
  })
  .openapi('Health');

registerOpsPaths(registry, {
  healthSchema,
  healthSummary: 'MySQL (control database) and Redis reachability, tenant connection budget; 503 when a store is down',
  metricsSummary: 'Prometheus metrics (request latency, tenant connections and pools)',
});

/** GET /api/health: public, not tenant-scoped. */
export function healthRoutes(ctx: AppContext): Router {
  const router = Router();
  router.get('/api/health', async (_req, res) => {
    const report = await checkHealth(ctx.controlDb, ctx.redis);
    const s = ctx.budget.stats();
    const data = { ...report, tenantConnections: { budget: s.budget, open: s.open, busy: s.busy, waiting: s.waiting } };
    sendHealth(res, report, data);
  });
  return router;
}
