import { Router, type Request, type Response } from 'express';
import { requirePermission, type PermissionAction } from '../../http/middleware/auth';
import { registry, responses, tenantHeaders, z } from '../../http/openapi';
import { idOf } from '../crud/crud.routes';
import { StaffRelay } from './staff.relay';
import type { AppContext } from '../../context';

/**
 * Staff and roles of the tenant (docs/staff-app.md, "Staff management"): tenant admins add,
 * change, disable and remove staff and edit custom roles. The write lives in the control plane,
 * which owns both the binding and the tenant's users; these routes check the permission here
 * (a teacher is refused without a round trip) and relay. The control plane validates the bodies
 * and writes the tenant's operation log in the same transaction as each change.
 */

const member = z
  .object({ id: z.number(), tenantUserId: z.number().nullable(), phone: z.string(), realName: z.string(), role: z.string(), status: z.enum(['active', 'disabled']), lastLoginAt: z.string().nullable(), joinedAt: z.string(), inSync: z.boolean() })
  .openapi('TenantStaffMember');
const role = z
  .object({ id: z.number(), code: z.string(), name: z.string(), description: z.string().nullable(), isSystem: z.boolean(), permissions: z.array(z.string()), memberCount: z.number() })
  .openapi('TenantStaffRole');
const addBody = z.object({ phone: z.string(), realName: z.string().optional(), role: z.string() }).openapi('TenantStaffAdd');
const updateBody = z.object({ role: z.string().optional(), status: z.enum(['active', 'disabled']).optional(), realName: z.string().optional() }).openapi('TenantStaffUpdate');
const roleBody = z.object({ code: z.string().optional(), name: z.string().optional(), description: z.string().nullable().optional(), permissions: z.array(z.string()).optional() }).openapi('TenantRoleBody');
const page = (item: z.ZodTypeAny) => z.object({ items: z.array(item), total: z.number(), page: z.number(), pageSize: z.number() });
const json = (schema: z.ZodTypeAny) => ({ content: { 'application/json': { schema } } });
const id = { params: z.object({ id: z.coerce.number().int().positive() }), headers: tenantHeaders };
const common = { tags: ['staff'], security: [{ userBearer: [] }] };
registry.registerPath({ ...common, method: 'get', path: '/api/staff', summary: 'Staff of the kindergarten (staff:read)', request: { headers: tenantHeaders }, responses: responses(page(member)) });
registry.registerPath({ ...common, method: 'post', path: '/api/staff', summary: 'Add a staff member by phone and role; a new account gets a one-time password, shown once (staff:write)', request: { headers: tenantHeaders, body: json(addBody) }, responses: responses(z.object({ member, oneTimePassword: z.string().optional() }), 201) });
registry.registerPath({ ...common, method: 'get', path: '/api/staff/{id}', summary: 'One staff member; id is the global user id (staff:read)', request: id, responses: responses(member) });
registry.registerPath({ ...common, method: 'put', path: '/api/staff/{id}', summary: 'Change role, status (disabled: refused within 1 s everywhere) or name (staff:write)', request: { ...id, body: json(updateBody) }, responses: responses(member) });
registry.registerPath({ ...common, method: 'delete', path: '/api/staff/{id}', summary: 'Remove a staff member (staff:delete)', request: id, responses: responses(z.object({ id: z.number(), removed: z.literal(true) })) });
registry.registerPath({ ...common, method: 'get', path: '/api/roles', summary: 'Roles with their permissions, and the permission catalogue (staff:read)', request: { headers: tenantHeaders }, responses: responses(page(role)) });
registry.registerPath({ ...common, method: 'post', path: '/api/roles', summary: 'Create a custom role with chosen permissions (staff:write)', request: { headers: tenantHeaders, body: json(roleBody) }, responses: responses(role, 201) });
registry.registerPath({ ...common, method: 'put', path: '/api/roles/{id}', summary: 'Change a custom role (staff:write)', request: { ...id, body: json(roleBody) }, responses: responses(role) });
registry.registerPath({ ...common, method: 'delete', path: '/api/roles/{id}', summary: 'Delete a custom role nobody holds (staff:delete)', request: id, responses: responses(z.object({ id: z.number(), removed: z.literal(true) })) });

/** GET/POST /api/staff, GET/PUT/DELETE /api/staff/:id, GET/POST /api/roles, PUT/DELETE /api/roles/:id. */
export function staffRoutes(ctx: AppContext): Router {
  const router = Router();
  const relay = new StaffRelay(ctx.config.CONTROL_PLANE_URL, 15_000);
  const can = (action: PermissionAction) => requirePermission('staff', action);
  const forward = (path: (req: Request) => string, withBody: boolean) => async (req: Request, res: Response) => {
    const q = req.originalUrl.indexOf('?');
    const answer = await relay.send({
      method: req.method,
      path: path(req),
      query: req.method === 'GET' && q >= 0 ? req.originalUrl.slice(q) : undefined,
      body: withBody ? (req.body ?? {}) : undefined,
      token: req.auth!.token,
      tenantCode: req.tenant!.tenantCode,
      requestId: String((req as { id?: unknown }).id ?? '') || undefined,
      userAgent: req.get('user-agent'),
    });
    if (answer.retryAfter) res.set('Retry-After', answer.retryAfter);
    res.status(answer.status).json(answer.body);
  };
  const one = (base: string) => (req: Request) => `${base}/${idOf(req)}`;
  router.get('/api/staff', can('read'), forward(() => '/staff', false));
  router.post('/api/staff', can('write'), forward(() => '/staff', true));
  router.get('/api/staff/:id', can('read'), forward(one('/staff'), false));
  router.put('/api/staff/:id', can('write'), forward(one('/staff'), true));
  router.delete('/api/staff/:id', can('delete'), forward(one('/staff'), false));
  router.get('/api/roles', can('read'), forward(() => '/roles', false));
  router.post('/api/roles', can('write'), forward(() => '/roles', true));
  router.put('/api/roles/:id', can('write'), forward(one('/roles'), true));
  router.delete('/api/roles/:id', can('delete'), forward(one('/roles'), false));
  return router;
}
