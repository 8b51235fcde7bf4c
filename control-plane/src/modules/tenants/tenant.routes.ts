import { Router } from 'express';
import { ok, pagingSchema, TENANT_ROLES, validate } from '@kg/shared';
import type { AppContext } from '../../context';
import { requireAdmin } from '../../http/middleware/auth';
import { registry, responses, z } from '../../http/openapi';
import { pageOf } from '../../http/paging';
import { tenantCodeParams } from '../../http/tenant-code';
import { auditActor } from '../audit/audit.http';
import { TENANT_STATUSES, type TenantStatus } from './tenant.repository';
import { bindUserToTenant, getTenant, listTenantSummaries, listTenantUsers } from './tenant.service';


const statusList = z
  .string()
  .optional()
  .transform((v, c) => {
    if (!v) return undefined;
    const parts = v.split(',').map((s) => s.trim()).filter(Boolean);
    const bad = parts.filter((p) => !(TENANT_STATUSES as readonly string[]).includes(p));
    if (bad.length) {
      c.addIssue({ code: 'custom', message: `unknown status ${bad.join(', ')}; one of ${TENANT_STATUSES.join(', ')}` });
      return z.NEVER;
    }
    return parts as TenantStatus[];
  })
  .openapi({ description: 'One status or several separated by commas', example: 'active,suspended' });

const listQuery = pagingSchema.extend({
  status: statusList,
  q: z.string().trim().max(100).optional().openapi({ description: 'Search in code, name, domain and contact phone' }),
});

const summarySchema = z
  .object({
    tenantCode: z.string(),
    name: z.string(),
    domain: z.string(),
    status: z.enum(TENANT_STATUSES),
    planType: z.string(),
    contactName: z.string().nullable(),
    contactPhone: z.string().nullable(),
    databaseName: z.string(),
    dbServerId: z.number().nullable(),
    scheduledDeletionAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('TenantSummary');

const detailSchema = summarySchema
  .extend({
    id: z.number(),
    maxUsers: z.number(),
    maxStorageMb: z.number(),
    contactEmail: z.string().nullable(),
    address: z.string().nullable(),
    description: z.string().nullable(),
    server: z.object({ id: z.number(), name: z.string(), host: z.string(), port: z.number(), status: z.string() }).nullable(),
    storagePrefix: z.string().nullable(),
    dnsRecordId: z.string().nullable(),
    schemaVersion: z.number().nullable(),
    provisioningError: z.string().nullable(),
    deletedAt: z.string().nullable(),
    purgedAt: z.string().nullable(),
    updatedAt: z.string(),
    account: z
      .object({ balance: z.number(), creditLimit: z.number(), paymentStatus: z.string(), billingCycle: z.string() })
      .nullable(),
    userCount: z.number(),
  })
  .openapi('TenantDetail');

const tenantUserSchema = z
  .object({
    globalUserId: z.number(),
    phone: z.string(),
    realName: z.string(),
    email: z.string().nullable(),
    userStatus: z.string(),
    role: z.string(),
    status: z.string(),
    tenantUserId: z.string().nullable(),
    loginCount: z.number(),
    firstLoginAt: z.string().nullable(),
    lastLoginAt: z.string().nullable(),
    boundAt: z.string(),
  })
  .openapi('TenantUser');

const bindResultSchema = z
  .object({
    tenantCode: z.string(),
    globalUserId: z.number(),
    phone: z.string(),
    realName: z.string(),
    role: z.enum(TENANT_ROLES),
    status: z.string(),
    tenantUserId: z.string().nullable(),
    created: z.boolean(),
  })
  .openapi('TenantUserBinding');

function bindBodySchema(phonePattern: string) {
  return z.object({
    phone: z.string().regex(new RegExp(phonePattern), 'must be a valid mobile phone number'),
    role: z.enum(TENANT_ROLES),
  });
}

registry.registerPath({
  method: 'get',
  path: '/api/tenants',
  summary: 'Tenants with paging, status filter and search (operator)',
  tags: ['tenants'],
  security: [{ adminBearer: [] }],
  request: { query: listQuery },
  responses: responses(pageOf(summarySchema)),
});
registry.registerPath({
  method: 'get',
  path: '/api/tenants/{code}',
  summary: 'Tenant detail: status, domain, database and server, storage prefix, schema version, account (operator)',
  tags: ['tenants'],
  security: [{ adminBearer: [] }],
  request: { params: tenantCodeParams },
  responses: responses(detailSchema, [400, 401, 403, 404]),
});
registry.registerPath({
  method: 'get',
  path: '/api/tenants/{code}/users',
  summary: 'Users bound to a tenant, with role and login counts (operator)',
  tags: ['tenants'],
  security: [{ adminBearer: [] }],
  request: { params: tenantCodeParams, query: pagingSchema },
  responses: responses(pageOf(tenantUserSchema), [400, 401, 403, 404]),
});
registry.registerPath({
  method: 'post',
  path: '/api/tenants/{code}/users',
  summary: 'Binds a registered user to a tenant with a role, in the registry and the tenant database (admin)',
  description: 'Idempotent: binding again updates the role. 201 when the binding is new, 200 when it was updated.',
  tags: ['tenants'],
  security: [{ adminBearer: [] }],
  request: {
    params: tenantCodeParams,
    body: { content: { 'application/json': { schema: bindBodySchema('^1[3-9]\\d{9}$') } } },
  },
  responses: {
    ...responses(bindResultSchema, [400, 401, 403, 404, 410], 201),
    ...responses(bindResultSchema, [], 200),
  },
});

/** Operator API over the tenant registry (docs/control-plane.md, "Modules"). */
export function tenantRoutes(ctx: AppContext): Router {
  const router = Router();
  const bindBody = bindBodySchema(ctx.config.PHONE_PATTERN);

  router.get('/api/tenants', requireAdmin(ctx, 'operator'), async (req, res) => {
    const query = validate(listQuery, req.query);
    const filter = { page: query.page, pageSize: query.pageSize, statuses: query.status, q: query.q || undefined };
    ok(res, await listTenantSummaries(ctx, filter));
  });

  router.get('/api/tenants/:code', requireAdmin(ctx, 'operator'), async (req, res) => {
    const { code: tenantCode } = validate(tenantCodeParams, req.params);
    ok(res, await getTenant(ctx, tenantCode));
  });

  router.get('/api/tenants/:code/users', requireAdmin(ctx, 'operator'), async (req, res) => {
    const { code: tenantCode } = validate(tenantCodeParams, req.params);
    const paging = validate(pagingSchema, req.query);
    ok(res, await listTenantUsers(ctx, tenantCode, paging));
  });

  router.post('/api/tenants/:code/users', requireAdmin(ctx, 'admin'), async (req, res) => {
    const { code: tenantCode } = validate(tenantCodeParams, req.params);
    const body = validate(bindBody, req.body);
    const result = await bindUserToTenant(ctx, auditActor(req), { tenantCode, ...body });
    ok(res, result, result.created ? 201 : 200);
  });

  return router;
}
