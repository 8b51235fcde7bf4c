import { Router } from 'express';
import { ok, validate } from '@kg/shared';
import type { AppContext } from '../../context';
import { requireAdmin } from '../../http/middleware/auth';
import { tenantCodeParams, tenantCodeSchema } from '../../http/tenant-code';
import { registry, responses, z } from '../../http/openapi';
import { auditActor } from '../audit/audit.http';
import { createTenant, PLAN_TYPES } from './create-tenant.service';
import { getProgress } from './progress.service';
import { streamProgress } from './progress.stream';
import { retryTenant } from './retry.service';

function createBodySchema(phonePattern: string) {
  const tenantCode = tenantCodeSchema;
  return z
    .object({
      tenantCode: tenantCode.optional().openapi({ description: 'Omit to get the next free code', example: 'k003' }),
      name: z.string().trim().min(1).max(255).openapi({ example: '示例幼儿园' }),
      contactName: z.string().trim().min(1).max(100),
      contactEmail: z.email('must be a valid email address').max(255),
      contactPhone: z.string().trim().regex(new RegExp(phonePattern), 'must be a valid mobile phone number'),
      smsVerificationCode: z.string().trim().min(1, 'is required').openapi({ description: 'From POST /api/sms/send-code (purpose tenant_create)' }),
      subdomain: tenantCode.optional().openapi({ description: 'Must equal the tenant code: the domain is {code}.BASE_DOMAIN' }),
      address: z.string().trim().max(500).optional(),
      description: z.string().max(5000).optional(),
      planType: z.enum(PLAN_TYPES).default('basic'),
      dbServerId: z.number().int().positive().optional().openapi({ description: 'Place the database on this server' }),
    })
    .openapi('CreateTenantRequest');
}

const createResult = z
  .object({
    tenantCode: z.string(),
    jobId: z.string(),
    status: z.literal('provisioning'),
    domain: z.string(),
    databaseName: z.string(),
    dbServerId: z.number(),
    storagePrefix: z.string(),
  })
  .openapi('CreateTenantAccepted');

const stepSchema = z.object({
  name: z.string(),
  order: z.number(),
  status: z.enum(['pending', 'running', 'completed', 'failed', 'skipped']),
  attempts: z.number(),
  startedAt: z.string().nullable(),
  completedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
  error: z.string().nullable(),
});

const progressSchema = z
  .object({
    tenantCode: z.string(),
    status: z.string(),
    currentStep: z.number(),
    totalSteps: z.number(),
    steps: z.array(stepSchema),
    error: z.string().nullable(),
    adminCredentials: z
      .object({ phone: z.string(), oneTimePassword: z.string(), mustChangePassword: z.literal(true) })
      .optional()
      .openapi({
        description:
          'Shown once, only to the operator who created the tenant or a super admin: the one-time password of an admin user the pipeline created',
      }),
  })
  .openapi('TenantProgress');

const retryResult = z
  .object({ tenantCode: z.string(), jobId: z.string(), status: z.literal('provisioning'), fromStep: z.string().nullable() })
  .openapi('TenantRetryAccepted');

registry.registerPath({
  method: 'post',
  path: '/api/tenant/create',
  summary: 'Registers a tenant and starts its create pipeline (operator); 202 with the job id',
  description:
    'The kindergarten, its contact and SMS code, plus planType and dbServerId. 409 when the code or domain is taken or no database server has room.',
  tags: ['lifecycle'],
  security: [{ adminBearer: [] }],
  request: { body: { content: { 'application/json': { schema: createBodySchema('^1[3-9]\\d{9}$') } } } },
  responses: responses(createResult, [400, 401, 403, 409], 202),
});
registry.registerPath({
  method: 'get',
  path: '/api/tenants/{code}/progress',
  summary: 'Step-by-step progress of the create pipeline (operator)',
  tags: ['lifecycle'],
  security: [{ adminBearer: [] }],
  request: { params: tenantCodeParams },
  responses: responses(progressSchema, [400, 401, 403, 404]),
});
registry.registerPath({
  method: 'get',
  path: '/api/tenants/{code}/progress/stream',
  summary: 'Live progress as server-sent events: `progress` on every step change, `end` once active or failed (operator)',
  tags: ['lifecycle'],
  security: [{ adminBearer: [] }],
  request: { params: tenantCodeParams },
  responses: {
    ...responses(progressSchema, [400, 401, 403, 404]),
    200: { description: 'text/event-stream of TenantProgress events', content: { 'text/event-stream': { schema: z.string() } } },
  },
});
registry.registerPath({
  method: 'post',
  path: '/api/tenants/{code}/retry',
  summary: 'Re-runs the create pipeline of a failed tenant from its failed step (admin)',
  tags: ['lifecycle'],
  security: [{ adminBearer: [] }],
  request: { params: tenantCodeParams },
  responses: responses(retryResult, [400, 401, 403, 404, 409], 202),
});

/** Tenant creation, its progress and retry (docs/control-plane.md, "The create request"). */
export function lifecycleRoutes(ctx: AppContext): Router {
  const router = Router();
  const createBody = createBodySchema(ctx.config.PHONE_PATTERN);

  router.post('/api/tenant/create', requireAdmin(ctx, 'operator'), async (req, res) => {
    const input = validate(createBody, req.body);
    ok(res, await createTenant(ctx, auditActor(req), input), 202);
  });

  router.get('/api/tenants/:code/progress', requireAdmin(ctx, 'operator'), async (req, res) => {
    const { code: tenantCode } = validate(tenantCodeParams, req.params);
    const viewer = { adminId: Number(req.admin!.sub), role: req.admin!.role };
    ok(res, await getProgress(ctx, tenantCode, { viewer }));
  });

  router.get('/api/tenants/:code/progress/stream', requireAdmin(ctx, 'operator'), async (req, res) => {
    const { code: tenantCode } = validate(tenantCodeParams, req.params);
    await streamProgress(ctx, tenantCode, res);
  });

  router.post('/api/tenants/:code/retry', requireAdmin(ctx, 'admin'), async (req, res) => {
    const { code: tenantCode } = validate(tenantCodeParams, req.params);
    ok(res, await retryTenant(ctx, auditActor(req), tenantCode), 202);
  });

  return router;
}
