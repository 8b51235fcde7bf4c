import { Router } from 'express';
import { ok, validate } from '@kg/shared';
import type { AppContext } from '../../context';
import { requireAdmin } from '../../http/middleware/auth';
import { registry, responses, z } from '../../http/openapi';
import { auditActor } from '../audit/audit.http';
import { activateTenant, suspendTenant } from './tenant-status.service';

import { tenantCodeParams } from '../../http/tenant-code';

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
    request: { params: tenantCodeParams },
    responses: responses(statusChangeSchema, [400, 401, 403, 404, 409, 410]),
  });
}

/** POST /api/tenants/:code/suspend|activate. */
export function tenantStatusRoutes(ctx: AppContext): Router {
  const router = Router();
  router.post('/api/tenants/:code/suspend', requireAdmin(ctx, 'admin'), async (req, res) => {
    const { code } = validate(tenantCodeParams, req.params);
    ok(res, await suspendTenant(ctx, auditActor(req), code));
  });
  router.post('/api/tenants/:code/activate', requireAdmin(ctx, 'admin'), async (req, res) => {
    const { code } = validate(tenantCodeParams, req.params);
    ok(res, await activateTenant(ctx, auditActor(req), code));
  });
  return router;
}
