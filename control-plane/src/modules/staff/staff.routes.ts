import { Router, type Request } from 'express';
import { ok, pagingSchema, validate } from '@kg/shared';
import type { AppContext } from '../../context';
import { clientInfo, requireUser } from '../../http/middleware/auth';
import { registry, responses, z } from '../../http/openapi';
import { changeRole, createRole, listTenantRoles, removeRole } from './role.service';
import { withStaffCaller, type StaffCaller } from './staff-caller';
import { addStaff, getStaff, listStaff, removeStaff, updateStaff } from './staff.service';

/**
 * Staff management of a tenant (docs/staff-app.md, "Where the write lives"). The tenant app's
 * `/api/staff` and `/api/roles` relay here with the user's own token and X-Tenant-Code; this is
 * the one place that writes a membership's two sides. Permissions: `staff:read`, `staff:write`,
 * `staff:delete` from the tenant's own RBAC.
 */

const idParam = z.object({ id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER) });
const roleCode = z.string().trim().min(2).max(50).regex(/^[a-z][a-z0-9_]*$/, 'lower-case letters, digits and _ , starting with a letter');
const realName = z.string().trim().min(1).max(50);
const permissionList = z.array(z.string().trim().min(3).max(100).regex(/^[a-z_]+:[a-z_]+$/, 'a permission code such as classes:read')).max(200);

function bodies(phonePattern: string) {
  const phone = z.string().trim().regex(new RegExp(phonePattern), 'must be a valid mobile phone number');
  return {
    add: z.object({ phone, realName: realName.optional(), role: roleCode }).strict().openapi('StaffAdd'),
    update: z
      .object({ role: roleCode.optional(), status: z.enum(['active', 'disabled']).optional(), realName: realName.optional() })
      .strict()
      .refine((b) => Object.keys(b).length > 0, 'give role, status or realName')
      .openapi('StaffUpdate'),
  };
}
const roleCreate = z
  .object({ code: roleCode, name: z.string().trim().min(1).max(100), description: z.string().trim().max(255).nullable().optional(), permissions: permissionList.default([]) })
  .strict()
  .openapi('RoleCreate');
const roleUpdate = z
  .object({ name: z.string().trim().min(1).max(100).optional(), description: z.string().trim().max(255).nullable().optional(), permissions: permissionList.optional() })
  .strict()
  .openapi('RoleUpdate');

const member = z
  .object({
    id: z.number(),
    tenantUserId: z.number().nullable(),
    phone: z.string(),
    realName: z.string(),
    role: z.string(),
    status: z.enum(['active', 'disabled']),
    lastLoginAt: z.string().nullable(),
    joinedAt: z.string(),
    inSync: z.boolean(),
  })
  .openapi('StaffMember');
const role = z
  .object({ id: z.number(), code: z.string(), name: z.string(), description: z.string().nullable(), isSystem: z.boolean(), permissions: z.array(z.string()), memberCount: z.number() })
  .openapi('TenantRole');
const tenantHeader = z.object({ 'x-tenant-code': z.string().optional() });
const page = (item: z.ZodTypeAny) => z.object({ items: z.array(item), total: z.number(), page: z.number(), pageSize: z.number() });
const sec = [{ userBearer: [] }];
const common = { tags: ['staff'], security: sec };
const idPath = { params: z.object({ id: z.string() }), headers: tenantHeader };
const example = bodies('^1[3-9]\\d{9}$');
registry.registerPath({ ...common, method: 'get', path: '/api/v1/staff', summary: "The tenant's staff (staff:read)", request: { headers: tenantHeader, query: pagingSchema }, responses: responses(page(member), [401, 403]) });
registry.registerPath({ ...common, method: 'post', path: '/api/v1/staff', summary: 'Adds a staff member by phone and role; a new account gets a one-time password, returned once (staff:write)', request: { headers: tenantHeader, body: { content: { 'application/json': { schema: example.add } } } }, responses: responses(z.object({ member, oneTimePassword: z.string().optional() }), [400, 401, 403, 409]) });
registry.registerPath({ ...common, method: 'get', path: '/api/v1/staff/{id}', summary: 'One staff member (staff:read)', request: idPath, responses: responses(member, [401, 403, 404]) });
registry.registerPath({ ...common, method: 'put', path: '/api/v1/staff/{id}', summary: 'Changes role, status (disable refuses their tokens within 1 s) or name (staff:write)', request: { ...idPath, body: { content: { 'application/json': { schema: example.update } } } }, responses: responses(member, [400, 401, 403, 404, 409]) });
registry.registerPath({ ...common, method: 'delete', path: '/api/v1/staff/{id}', summary: 'Removes a staff member from the tenant (staff:delete)', request: idPath, responses: responses(z.object({ id: z.number(), removed: z.literal(true) }), [401, 403, 404, 409]) });
registry.registerPath({ ...common, method: 'get', path: '/api/v1/roles', summary: "The tenant's roles and the permission catalogue (staff:read)", request: { headers: tenantHeader }, responses: responses(page(role).extend({ permissions: z.array(z.object({ code: z.string(), resource: z.string(), action: z.string(), name: z.string() })) }), [401, 403]) });
registry.registerPath({ ...common, method: 'post', path: '/api/v1/roles', summary: 'Creates a custom role (staff:write)', request: { headers: tenantHeader, body: { content: { 'application/json': { schema: roleCreate } } } }, responses: responses(role, [400, 401, 403, 409]) });
registry.registerPath({ ...common, method: 'put', path: '/api/v1/roles/{id}', summary: 'Changes a custom role (staff:write)', request: { ...idPath, body: { content: { 'application/json': { schema: roleUpdate } } } }, responses: responses(role, [400, 401, 403, 404, 409]) });
registry.registerPath({ ...common, method: 'delete', path: '/api/v1/roles/{id}', summary: 'Deletes a custom role nobody holds (staff:delete)', request: idPath, responses: responses(z.object({ id: z.number(), removed: z.literal(true) }), [401, 403, 404, 409]) });

/** The staff and role routes (user token, tenant admin permissions). */
export function staffRoutes(ctx: AppContext): Router {
  const router = Router();
  const schemas = bodies(ctx.config.PHONE_PATTERN);
  const user = requireUser(ctx);
  const as = <T>(req: Request, permission: string, fn: (caller: StaffCaller) => Promise<T>) => {
    const info = clientInfo(req);
    const requestId = req.get('x-request-id');
    return withStaffCaller(ctx, req.user!, { tenantHeader: req.get('x-tenant-code'), ...info, requestId: requestId ? requestId.slice(0, 64) : null }, permission, fn);
  };

  router.get('/api/v1/staff', user, async (req, res) => {
    const paging = validate(pagingSchema, req.query);
    ok(res, await as(req, 'staff:read', (c) => listStaff(ctx, c, paging)));
  });
  router.post('/api/v1/staff', user, async (req, res) => {
    const body = validate(schemas.add, req.body);
    ok(res, await as(req, 'staff:write', (c) => addStaff(ctx, c, body)), 201);
  });
  router.get('/api/v1/staff/:id', user, async (req, res) => {
    const { id } = validate(idParam, req.params);
    ok(res, await as(req, 'staff:read', (c) => getStaff(ctx, c, id)));
  });
  router.put('/api/v1/staff/:id', user, async (req, res) => {
    const { id } = validate(idParam, req.params);
    const body = validate(schemas.update, req.body);
    ok(res, await as(req, 'staff:write', (c) => updateStaff(ctx, c, id, body)));
  });
  router.delete('/api/v1/staff/:id', user, async (req, res) => {
    const { id } = validate(idParam, req.params);
    ok(res, await as(req, 'staff:delete', (c) => removeStaff(ctx, c, id)));
  });
  router.get('/api/v1/roles', user, async (req, res) => {
    ok(res, await as(req, 'staff:read', (c) => listTenantRoles(c)));
  });
  router.post('/api/v1/roles', user, async (req, res) => {
    const body = validate(roleCreate, req.body);
    ok(res, await as(req, 'staff:write', (c) => createRole(ctx, c, body)), 201);
  });
  router.put('/api/v1/roles/:id', user, async (req, res) => {
    const { id } = validate(idParam, req.params);
    const body = validate(roleUpdate, req.body);
    ok(res, await as(req, 'staff:write', (c) => changeRole(ctx, c, id, body)));
  });
  router.delete('/api/v1/roles/:id', user, async (req, res) => {
    const { id } = validate(idParam, req.params);
    ok(res, await as(req, 'staff:delete', (c) => removeRole(ctx, c, id)));
  });
  return router;
}
