import { Router } from 'express';
import { errors, ok, validate } from '@kg/shared';
import type { AppContext } from '../../context';
import { requirePermission } from '../../http/middleware/auth';
import { registry, responses, tenantHeaders, z } from '../../http/openapi';
import { mapWriteErrors, requireItem, toItem } from '../crud/crud.repository';
import { crudRoutes, idOf } from '../crud/crud.routes';
import { studentResource } from '../students/student.resource';
import { parentResource, relationFields, relationInput, relationItem } from './parent.resource';

const relations = { fields: relationFields, name: 'parent-student relation', boolFields: ['isPrimary', 'canPickUp'] };
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
  const columns = Object.values(relationFields).map((c) => `r.\`${c}\``).join(', ');
  router.get('/api/parents/:id/students', requirePermission('parents', 'read'), async (req, res) => {
    const db = req.tenantDb!;
    const parentId = idOf(req);
    await requireItem(db, parentResource, parentId);
    const rows = await db.rows(`SELECT ${columns} FROM ${db.t('parent_student_relations')} r WHERE r.parent_id = ? ORDER BY r.id`, [parentId]);
    ok(res, rows.map((r) => toItem(relations, r)));
  });
  router.get('/api/students/:id/parents', requirePermission('students', 'read'), async (req, res) => {
    const db = req.tenantDb!;
    const studentId = idOf(req);
    await requireItem(db, studentResource, studentId);
    const rows = await db.rows(`SELECT ${columns} FROM ${db.t('parent_student_relations')} r WHERE r.student_id = ? ORDER BY r.id`, [studentId]);
    ok(res, rows.map((r) => toItem(relations, r)));
  });
  router.post('/api/parents/:id/students', requirePermission('parents', 'write'), async (req, res) => {
    const db = req.tenantDb!;
    const parentId = idOf(req);
    const body = validate(relationInput, req.body);
    await requireItem(db, parentResource, parentId);
    const student = await db.rows(`SELECT id FROM ${db.t(studentResource.table)} WHERE id = ?`, [body.studentId]);
    if (!student.length) throw errors.validation([{ field: 'studentId', message: `No student with id ${body.studentId}` }]);
    const r = await mapWriteErrors(relations, () =>
      db.exec(
        `INSERT INTO ${db.t('parent_student_relations')} (parent_id, student_id, relationship, is_primary, can_pick_up) VALUES (?, ?, ?, ?, ?)`,
        [parentId, body.studentId, body.relationship, body.isPrimary ? 1 : 0, body.canPickUp === false ? 0 : 1],
      ),
    );
    const [row] = await db.rows(`SELECT ${columns} FROM ${db.t('parent_student_relations')} r WHERE r.id = ?`, [r.insertId]);
    ok(res, toItem(relations, row!), 201);
  });
  router.delete('/api/parents/:id/students/:studentId', requirePermission('parents', 'delete'), async (req, res) => {
    const db = req.tenantDb!;
    const r = await db.exec(`DELETE FROM ${db.t('parent_student_relations')} WHERE parent_id = ? AND student_id = ?`, [
      idOf(req),
      idOf(req, 'studentId'),
    ]);
    if (r.affectedRows === 0) throw errors.notFound('This parent is not linked to this child');
    ok(res, { deleted: true });
  });
  return router;
}
