import { Router } from 'express';
import { ok } from '@kg/shared';
import type { AppContext } from '../../context';
import { requireAdmin } from '../../http/middleware/auth';
import { registry, responses, z } from '../../http/openapi';
import { auditActor } from '../audit/audit.http';
import { activateTenant, suspendTenant } from './tenant-status.service';

export const tenantCodeParam = z.object({ code: z.string().openapi({ example: 'k001' }) });

const statusChangeSchema = z
  .object({ tenantCode: z.string(), previousStatus: z.string(), status: z.string() })
  .openapi('TenantStatusChange');

for (const [action, summary] of [
  ['suspend', 'Suspends an active tenant; every tenant-app instance refuses it within a second (admin)'],
  ['activate', 'Re-activates a suspended tenant (admin)'],
] as const) {
  registry.registerPath({
    method: 'post',
    path: `/api/tenants/{code}/${action}`,
    summary,
    tags: ['tenants'],
    security: [{ adminBearer: [] }],
    request: { params: tenantCodeParam },
    responses: responses(statusChangeSchema, [401, 403, 404, 409, 410]),
  });
}

/** POST /api/tenants/:code/suspend|activate. */
export function tenantStatusRoutes(ctx: AppContext): Router {
  const router = Router();
  router.post('/api/tenants/:code/suspend', requireAdmin(ctx, 'admin'), async (req, res) => {
    ok(res, await suspendTenant(ctx, auditActor(req), String(req.params.code)));
  });
  router.post('/api/tenants/:code/activate', requireAdmin(ctx, 'admin'), async (req, res) => {
    ok(res, await activateTenant(ctx, auditActor(req), String(req.params.code)));
  });
  return router;
}
