import { Router } from 'express';
import { ok, validate } from '@kg/shared';
import type { AppContext } from '../../context';
import { requireAdmin } from '../../http/middleware/auth';
import { tenantCodeParams } from '../../http/tenant-code';
import { registry, responses, z } from '../../http/openapi';
import { auditActor } from '../audit/audit.http';
import { createTenant } from './create-tenant.service';
import { createTenantBodySchema } from './create-tenant.schema';
import { getProgress } from './progress.service';
import { streamProgress } from './progress.stream';
import { retryTenant } from './retry.service';
import { checkStreamTicket, issueStreamTicket } from './stream-ticket';

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
  request: { body: { content: { 'application/json': { schema: createTenantBodySchema('^1[3-9]\\d{9}$') } } } },
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
const streamQuery = z.object({
  ticket: z.string().min(1).max(200).optional().openapi({ description: 'From POST .../progress/stream-ticket, for browsers (EventSource sends no Authorization header)' }),
  lastEventId: z.string().max(64).optional().openapi({ description: 'Resume after this event (the Last-Event-ID header does the same)' }),
});

registry.registerPath({
  method: 'post',
  path: '/api/tenants/{code}/progress/stream-ticket',
  summary: "A 60-second ticket that opens only this tenant's progress stream (operator); keeps tokens out of URLs",
  tags: ['lifecycle'],
  security: [{ adminBearer: [] }],
  request: { params: tenantCodeParams },
  responses: responses(z.object({ ticket: z.string(), expiresInSeconds: z.number() }), [400, 401, 403, 404]),
});
registry.registerPath({
  method: 'get',
  path: '/api/tenants/{code}/progress/stream',
  summary: 'Live progress as server-sent events: `progress` on every step change, `end` once active or failed (operator bearer token or stream ticket)',
  description: 'Events carry ids and the stream sets `retry:`; a reconnect with Last-Event-ID resumes without repeating the current state.',
  tags: ['lifecycle'],
  security: [{ adminBearer: [] }, {}],
  request: { params: tenantCodeParams, query: streamQuery },
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
  const createBody = createTenantBodySchema(ctx.config.PHONE_PATTERN);

  router.post('/api/tenant/create', requireAdmin(ctx, 'operator'), async (req, res) => {
    const input = validate(createBody, req.body);
    ok(res, await createTenant(ctx, auditActor(req), input), 202);
  });

  router.get('/api/tenants/:code/progress', requireAdmin(ctx, 'operator'), async (req, res) => {
    const { code: tenantCode } = validate(tenantCodeParams, req.params);
    const viewer = { adminId: Number(req.admin!.sub), role: req.admin!.role };
    ok(res, await getProgress(ctx, tenantCode, { viewer }));
  });

  router.post('/api/tenants/:code/progress/stream-ticket', requireAdmin(ctx, 'operator'), async (req, res) => {
    const { code: tenantCode } = validate(tenantCodeParams, req.params);
    res.setHeader('Cache-Control', 'no-store');
    ok(res, await issueStreamTicket(ctx, req.admin!.sub, tenantCode));
  });

  const operator = requireAdmin(ctx, 'operator');
  router.get('/api/tenants/:code/progress/stream', async (req, res) => {
    const { code: tenantCode } = validate(tenantCodeParams, req.params);
    const query = validate(streamQuery, req.query);
    if (query.ticket) await checkStreamTicket(ctx, query.ticket, tenantCode);
    else await new Promise<void>((resolve, reject) => operator(req, res, (err?: unknown) => (err ? reject(err) : resolve())));
    const header = req.headers['last-event-id'];
    await streamProgress(ctx, tenantCode, res, typeof header === 'string' ? header.slice(0, 64) : query.lastEventId);
  });

  router.post('/api/tenants/:code/retry', requireAdmin(ctx, 'admin'), async (req, res) => {
    const { code: tenantCode } = validate(tenantCodeParams, req.params);
    ok(res, await retryTenant(ctx, auditActor(req), tenantCode), 202);
  });

  return router;
}
