import { Router } from 'express';
import { ok, validate } from '@kg/shared';
import type { AppContext } from '../../context';
import { requireAdmin } from '../../http/middleware/auth';
import { registry, responses, z } from '../../http/openapi';
import { auditActor } from '../audit/audit.http';
import { setTenantModelSetting, tenantModelSettings } from './tenant-model.service';

const params = z.object({ code: z.string().min(1).max(50), modelId: z.coerce.number().int().positive() });
const codeParams = z.object({ code: z.string().min(1).max(50) });
const body = z
  .object({
    enabled: z.boolean(),
    priority: z.number().int().min(-1000).max(1000).default(0),
    parameters: z.record(z.string(), z.unknown()).nullable().default(null),
    dailyCallCap: z.number().int().min(0).max(10_000_000).nullable().default(null),
  })
  .openapi('TenantAiModelSettingInput');
const setting = z
  .object({ modelId: z.number(), enabled: z.boolean(), priority: z.number(), parameters: z.record(z.string(), z.unknown()).nullable(), dailyCallCap: z.number().nullable(), updatedAt: z.string() })
  .openapi('TenantAiModelSetting');

registry.registerPath({
  method: 'get',
  path: '/api/tenants/{code}/ai-models',
  summary: "A tenant's AI model settings (enabled, priority, parameters, daily call cap)",
  tags: ['ai'],
  security: [{ adminBearer: [] }],
  request: { params: codeParams },
  responses: responses(z.object({ items: z.array(setting) }), [401, 403, 404]),
});
registry.registerPath({
  method: 'put',
  path: '/api/tenants/{code}/ai-models/{modelId}',
  summary: "Sets a tenant's setting for one model (admin, audited)",
  tags: ['ai'],
  security: [{ adminBearer: [] }],
  request: { params, body: { content: { 'application/json': { schema: body } } } },
  responses: responses(setting, [400, 401, 403, 404]),
});

/** Per-tenant AI model settings: operators read, admins change. */
export function tenantModelRoutes(ctx: AppContext): Router {
  const router = Router();
  router.get('/api/tenants/:code/ai-models', requireAdmin(ctx, 'operator'), async (req, res) => {
    ok(res, { items: await tenantModelSettings(ctx, validate(codeParams, req.params).code) });
  });
  router.put('/api/tenants/:code/ai-models/:modelId', requireAdmin(ctx, 'admin'), async (req, res) => {
    const p = validate(params, req.params);
    ok(res, await setTenantModelSetting(ctx, auditActor(req), p.code, p.modelId, validate(body, req.body)));
  });
  return router;
}
