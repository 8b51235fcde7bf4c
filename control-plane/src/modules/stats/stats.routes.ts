import { Router } from 'express';
import { ok } from '@kg/shared';
import type { AppContext } from '../../context';
import { requireAdmin } from '../../http/middleware/auth';
import { registry, responses, z } from '../../http/openapi';
import { getOverview } from './stats.service';

const overviewSchema = z
  .object({
    tenantsByStatus: z.record(z.string(), z.number()),
    totalTenants: z.number(),
    provisioningInFlight: z.array(
      z.object({ tenantCode: z.string(), name: z.string(), currentStep: z.number(), totalSteps: z.number(), startedAt: z.string().nullable() }),
    ),
    recentFailures: z.array(z.object({ tenantCode: z.string(), name: z.string(), error: z.string().nullable(), failedAt: z.string() })),
    cleanupDueSoon: z.object({
      count: z.number(),
      items: z.array(
        z.object({ id: z.number(), tenantCode: z.string(), resourceType: z.string(), scheduledDeletionAt: z.string(), daysLeft: z.number() }),
      ),
    }),
    aiUsage: z.array(z.object({ date: z.string(), calls: z.number(), cost: z.number() })).openapi({ description: 'One entry per day, oldest first, 30 days' }),
  })
  .openapi('StatsOverview');

registry.registerPath({
  method: 'get',
  path: '/api/stats/overview',
  summary: 'Dashboard summary: tenants by status, provisioning in flight, failures, cleanup due within 7 days, AI calls and cost per day (operator)',
  tags: ['stats'],
  security: [{ adminBearer: [] }],
  responses: responses(overviewSchema, [401, 403]),
});

/** The admin console's dashboard summary. */
export function statsRoutes(ctx: AppContext): Router {
  const router = Router();
  router.get('/api/stats/overview', requireAdmin(ctx, 'operator'), async (_req, res) => {
    ok(res, await getOverview(ctx));
  });
  return router;
}
