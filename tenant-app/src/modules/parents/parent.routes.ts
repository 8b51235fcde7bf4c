import { Router } from 'express';
import { ok, validate } from '@kg/shared';
import type { AppContext } from '../../context';
import { requirePermission } from '../../http/middleware/auth';
import { registry, responses, tenantHeaders, z } from '../../http/openapi';
import { crudRoutes, idOf } from '../crud/crud.routes';
import { parentResource, relationInput, relationItem } from './parent.resource';
import { childrenOf, linkChild, parentsOf, unlinkChild } from './parent.service';

const idParams = z.object({ id: z.coerce.number().int().positive() });
const common = { security: [{ userBearer: [] }] };
registry.registerPath({
  ...common,
  tags: ['Parent'],
  method: 'get',
  path: '/api/parents/{id}/students',
  summary: "A parent's children with the relationship (parents:read)",
  request: { headers: tenantHeaders, params: idParams },
  responses: responses(z.array(relationItem)),
});
registry.registerPath({
  ...common,
  tags: ['Parent'],
  method: 'post',
  path: '/api/parents/{id}/students',
  summary: 'Link a parent to a child (parents:write)',
  request: { headers: tenantHeaders, params: idParams, body: { content: { 'application/json': { schema: relationInput } } } },
  responses: responses(relationItem, 201),
});
registry.registerPath({
  ...common,
  tags: ['Parent'],
  method: 'delete',
  path: '/api/parents/{id}/students/{studentId}',
  summary: 'Unlink a parent from a child (parents:delete)',
  request: { headers: tenantHeaders, params: idParams.extend({ studentId: z.coerce.number().int().positive() }) },
  responses: responses(z.object({ deleted: z.literal(true) })),
});
registry.registerPath({
  ...common,
  tags: ['Student'],
  method: 'get',
  path: '/api/students/{id}/parents',
  summary: "A child's parents with the relationship (students:read)",
  request: { headers: tenantHeaders, params: idParams },
  responses: responses(z.array(relationItem)),
});

/** /api/parents (REST) and the parent-student relations, from either side. */
export function parentRoutes(_ctx: AppContext): Router {
  const router = crudRoutes(parentResource);
  router.get('/api/parents/:id/students', requirePermission('parents', 'read'), async (req, res) => {
    ok(res, await childrenOf(req.tenantDb!, idOf(req)));
  });
  router.get('/api/students/:id/parents', requirePermission('students', 'read'), async (req, res) => {
    ok(res, await parentsOf(req.tenantDb!, idOf(req)));
  });
  router.post('/api/parents/:id/students', requirePermission('parents', 'write'), async (req, res) => {
    const parentId = idOf(req);
    const body = validate(relationInput, req.body);
    ok(res, await linkChild(req.tenantDb!, parentId, body), 201);
  });
  router.delete('/api/parents/:id/students/:studentId', requirePermission('parents', 'delete'), async (req, res) => {
    await unlinkChild(req.tenantDb!, idOf(req), idOf(req, 'studentId'));
    ok(res, { deleted: true });
  });
  return router;
}
