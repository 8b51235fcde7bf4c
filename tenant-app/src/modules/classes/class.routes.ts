import { Router } from 'express';
import { errors, ok, validate } from '@kg/shared';
import type { AppContext } from '../../context';
import { requirePermission } from '../../http/middleware/auth';
import { registry, responses, tenantHeaders, z } from '../../http/openapi';
import { mapWriteErrors, requireItem, toItem } from '../crud/crud.repository';
import { crudRoutes, idOf } from '../crud/crud.routes';
import { classTeacherFieldsMap, classTeacherInput, classTeacherItem, teacherResource } from '../teachers/teacher.resource';
import { classResource } from './class.resource';

const classTeachers = { fields: classTeacherFieldsMap, name: 'class teacher' };
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
  const columns = Object.values(classTeacherFieldsMap).map((c) => `ct.\`${c}\``).join(', ');
  router.get('/api/classes/:id/teachers', requirePermission('teachers', 'read'), async (req, res) => {
    const db = req.tenantDb!;
    const classId = idOf(req);
    await requireItem(db, classResource, classId);
    const rows = await db.rows(`SELECT ${columns} FROM ${db.t('class_teachers')} ct WHERE ct.class_id = ? ORDER BY ct.id`, [classId]);
    ok(res, rows.map((r) => toItem(classTeachers, r)));
  });
  router.post('/api/classes/:id/teachers', requirePermission('teachers', 'write'), async (req, res) => {
    const db = req.tenantDb!;
    const classId = idOf(req);
    const body = validate(classTeacherInput, req.body);
    await requireItem(db, classResource, classId);
    const teacher = await db.rows(`SELECT id FROM ${db.t(teacherResource.table)} WHERE id = ?`, [body.teacherId]);
    if (!teacher.length) throw errors.validation([{ field: 'teacherId', message: `No teacher with id ${body.teacherId}` }]);
    const r = await mapWriteErrors(classTeachers, () =>
      db.exec(`INSERT INTO ${db.t('class_teachers')} (class_id, teacher_id, role, start_date, end_date) VALUES (?, ?, ?, ?, ?)`, [
        classId,
        body.teacherId,
        body.role ?? 'head',
        body.startDate ?? null,
        body.endDate ?? null,
      ]),
    );
    const [row] = await db.rows(`SELECT ${columns} FROM ${db.t('class_teachers')} ct WHERE ct.id = ?`, [r.insertId]);
    ok(res, toItem(classTeachers, row!), 201);
  });
  router.delete('/api/classes/:id/teachers/:teacherId', requirePermission('teachers', 'delete'), async (req, res) => {
    const db = req.tenantDb!;
    const r = await db.exec(`DELETE FROM ${db.t('class_teachers')} WHERE class_id = ? AND teacher_id = ?`, [
      idOf(req),
      idOf(req, 'teacherId'),
    ]);
    if (r.affectedRows === 0) throw errors.notFound('This teacher is not assigned to this class');
    ok(res, { deleted: true });
  });
  return router;
}
