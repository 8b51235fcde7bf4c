import { Router } from 'express';
import { ok, validate } from '@kg/shared';
import type { AppContext } from '../../context';
import { requirePermission } from '../../http/middleware/auth';
import { registry, responses, tenantHeaders, z } from '../../http/openapi';
import { crudRoutes, idOf } from '../crud/crud.routes';
import { classTeacherInput, classTeacherItem } from '../teachers/teacher.resource';
import { classResource } from './class.resource';
import { assignTeacher, teachersOfClass, unassignTeacher } from './class.service';

const params = z.object({ id: z.coerce.number().int().positive() });
const common = { tags: ['Class'], security: [{ userBearer: [] }] };
registry.registerPath({
  ...common,
  method: 'get',
  path: '/api/classes/{id}/teachers',
  summary: 'Teachers of a class (teachers:read)',
  request: { headers: tenantHeaders, params },
  responses: responses(z.array(classTeacherItem)),
});
registry.registerPath({
  ...common,
  method: 'post',
  path: '/api/classes/{id}/teachers',
  summary: 'Assign a teacher to a class (teachers:write)',
  request: { headers: tenantHeaders, params, body: { content: { 'application/json': { schema: classTeacherInput } } } },
  responses: responses(classTeacherItem, 201),
});
registry.registerPath({
  ...common,
  method: 'delete',
  path: '/api/classes/{id}/teachers/{teacherId}',
  summary: 'Remove a teacher from a class (teachers:delete)',
  request: { headers: tenantHeaders, params: params.extend({ teacherId: z.coerce.number().int().positive() }) },
  responses: responses(z.object({ deleted: z.literal(true) })),
});

/** /api/classes (REST) and the class's teachers. */
export function classRoutes(_ctx: AppContext): Router {
  const router = crudRoutes(classResource);
  router.get('/api/classes/:id/teachers', requirePermission('teachers', 'read'), async (req, res) => {
    ok(res, await teachersOfClass(req.tenantDb!, idOf(req)));
  });
  router.post('/api/classes/:id/teachers', requirePermission('teachers', 'write'), async (req, res) => {
    const classId = idOf(req);
    const body = validate(classTeacherInput, req.body);
    ok(res, await assignTeacher(req.tenantDb!, classId, body), 201);
  });
  router.delete('/api/classes/:id/teachers/:teacherId', requirePermission('teachers', 'delete'), async (req, res) => {
    await unassignTeacher(req.tenantDb!, idOf(req), idOf(req, 'teacherId'));
    ok(res, { deleted: true });
  });
  return router;
}
