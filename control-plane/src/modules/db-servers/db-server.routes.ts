import { Router } from 'express';
import { isSecretRef, ok, validate } from '@kg/shared';
import type { AppContext } from '../../context';
import { requireAdmin } from '../../http/middleware/auth';
import { registry, responses, z } from '../../http/openapi';
import { auditActor } from '../audit/audit.http';
import { DB_SERVER_STATUSES } from './db-server.repository';
import { createDbServer, listDbServerViews, updateDbServerById } from './db-server.service';

const serverSchema = z
  .object({
    id: z.number(),
    name: z.string(),
    host: z.string(),
    port: z.number(),
    username: z.string(),
    secretRef: z.string().nullable().openapi({ description: 'Where the password is read from (env:NAME); never the password' }),
    capacity: z.number(),
    status: z.enum(DB_SERVER_STATUSES),
    tenantCount: z.number(),
    freeCapacity: z.number(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('DatabaseServer');

const createBody = z.object({
  name: z.string().trim().min(1).max(100),
  host: z
    .string()
    .trim()
    .min(1)
    .max(255)
    .regex(/^[A-Za-z0-9.\-:\[\]]+$/, 'must be a host name or IP address'),
  port: z.number().int().min(1).max(65535).default(3306),
  username: z.string().min(1).max(100),
  secretRef: z
    .string()
    .max(255)
    .refine(isSecretRef, 'must reference the password as env:NAME with NAME ending in PASSWORD (the password itself is never stored)')
    .nullable()
    .optional()
    .openapi({ example: 'env:MYSQL_PASSWORD' }),
  capacity: z.number().int().min(0).max(1_000_000).default(500),
});

const updateBody = z
  .object({
    capacity: z.number().int().min(0).max(1_000_000).optional(),
    status: z.enum(DB_SERVER_STATUSES).optional(),
  })
  .refine((b) => b.capacity !== undefined || b.status !== undefined, { message: 'give capacity or status' });

const idParams = z.object({ id: z.coerce.number().int().positive() });

registry.registerPath({
  method: 'get',
  path: '/api/db-servers',
  summary: 'Database servers with tenant count and free capacity (operator)',
  tags: ['db-servers'],
  security: [{ adminBearer: [] }],
  responses: responses(z.object({ items: z.array(serverSchema) }), [401, 403]),
});
registry.registerPath({
  method: 'post',
  path: '/api/db-servers',
  summary: 'Registers a database server after a connection check (super_admin); 400 DB_SERVER_UNREACHABLE',
  tags: ['db-servers'],
  security: [{ adminBearer: [] }],
  request: { body: { content: { 'application/json': { schema: createBody } } } },
  responses: responses(serverSchema.extend({ serverVersion: z.string() }), [400, 401, 403, 409], 201),
});
registry.registerPath({
  method: 'patch',
  path: '/api/db-servers/{id}',
  summary: 'Changes capacity or status of a database server (super_admin)',
  tags: ['db-servers'],
  security: [{ adminBearer: [] }],
  request: { params: idParams, body: { content: { 'application/json': { schema: updateBody } } } },
  responses: responses(serverSchema, [400, 401, 403, 404]),
});

/** Where tenant databases may be placed (docs/control-plane.md, "Placement"). */
export function dbServerRoutes(ctx: AppContext): Router {
  const router = Router();
  router.get('/api/db-servers', requireAdmin(ctx, 'operator'), async (_req, res) => {
    ok(res, { items: await listDbServerViews(ctx) });
  });
  router.post('/api/db-servers', requireAdmin(ctx, 'super_admin'), async (req, res) => {
    const body = validate(createBody, req.body);
    ok(res, await createDbServer(ctx, auditActor(req), { ...body, secretRef: body.secretRef ?? null }), 201);
  });
  router.patch('/api/db-servers/:id', requireAdmin(ctx, 'super_admin'), async (req, res) => {
    const { id } = validate(idParams, req.params);
    ok(res, await updateDbServerById(ctx, auditActor(req), id, validate(updateBody, req.body)));
  });
  return router;
}
