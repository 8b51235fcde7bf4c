import { Router } from 'express';
import { ok, validate } from '@kg/shared';
import type { AppContext } from '../../context';
import { requireAdmin } from '../../http/middleware/auth';
import { passwordProblems } from '../../internal/password';
import { registry, responses, z } from '../../http/openapi';
import { auditActor } from '../audit/audit.http';
import { ADMIN_ROLES, ADMIN_STATUSES } from './admin.repository';
import { createAdminUser, listAdmins, updateAdminUserById } from './admin.service';

/** The password policy (docs/auth.md, "Passwords"), reported as one field error per unmet rule. */
const policyPassword = z.string().superRefine((value, c) => {
  for (const p of passwordProblems(value)) c.addIssue({ code: 'custom', message: p.message });
});

const adminSchema = z
  .object({
    id: z.number(),
    username: z.string(),
    email: z.string().nullable(),
    role: z.enum(ADMIN_ROLES),
    status: z.enum(ADMIN_STATUSES),
    lockedUntil: z.string().nullable(),
    lastLoginAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('AdminUser');

const createBody = z.object({
  username: z
    .string()
    .min(3)
    .max(50)
    .regex(/^[A-Za-z0-9_.-]+$/, 'may contain letters, digits, dot, dash and underscore'),
  password: policyPassword,
  role: z.enum(ADMIN_ROLES),
  email: z.email().max(255).optional(),
});

const updateBody = z
  .object({
    role: z.enum(ADMIN_ROLES).optional(),
    status: z.enum(ADMIN_STATUSES).optional(),
    password: policyPassword.optional(),
  })
  .refine((b) => b.role !== undefined || b.status !== undefined || b.password !== undefined, {
    message: 'give at least one of role, status, password',
  });

const idParams = z.object({ id: z.coerce.number().int().positive() });

registry.registerPath({
  method: 'get',
  path: '/api/admin/users',
  summary: 'Admin users (super_admin)',
  tags: ['admins'],
  security: [{ adminBearer: [] }],
  responses: responses(z.object({ items: z.array(adminSchema) }), [401, 403]),
});
registry.registerPath({
  method: 'post',
  path: '/api/admin/users',
  summary: 'Creates an admin user (super_admin); 409 when the username or email is taken',
  tags: ['admins'],
  security: [{ adminBearer: [] }],
  request: { body: { content: { 'application/json': { schema: createBody } } } },
  responses: responses(adminSchema, [400, 401, 403, 409], 201),
});
registry.registerPath({
  method: 'patch',
  path: '/api/admin/users/{id}',
  summary: "Changes an admin's role, status or password (super_admin); the last active super admin stays",
  tags: ['admins'],
  security: [{ adminBearer: [] }],
  request: { params: idParams, body: { content: { 'application/json': { schema: updateBody } } } },
  responses: responses(adminSchema, [400, 401, 403, 404, 409]),
});

/** Admin user management, super admins only. */
export function adminRoutes(ctx: AppContext): Router {
  const router = Router();
  router.get('/api/admin/users', requireAdmin(ctx, 'super_admin'), async (_req, res) => {
    ok(res, { items: await listAdmins(ctx) });
  });
  router.post('/api/admin/users', requireAdmin(ctx, 'super_admin'), async (req, res) => {
    const body = validate(createBody, req.body);
    ok(res, await createAdminUser(ctx, auditActor(req), body), 201);
  });
  router.patch('/api/admin/users/:id', requireAdmin(ctx, 'super_admin'), async (req, res) => {
    const { id } = validate(idParams, req.params);
    const body = validate(updateBody, req.body);
    ok(res, await updateAdminUserById(ctx, auditActor(req), id, body));
  });
  return router;
}
