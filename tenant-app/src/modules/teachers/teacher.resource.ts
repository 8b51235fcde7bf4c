import { z } from '../../http/openapi';
import { f, fieldsOf, itemSchema } from '../crud/fields';
import type { ResourceDef } from '../crud/resource';

const fields = fieldsOf(['userId', 'employeeNo', 'name', 'gender', 'phone', 'email', 'title', 'qualification', 'hireDate', 'status', 'remark']);

/** /api/teachers: teaching staff (optionally linked to a sign-in account by userId). */
export const teacherResource: ResourceDef = {
  path: '/api/teachers',
  table: 'teachers',
  permission: 'teachers',
  name: 'Teacher',
  fields,
  create: z
    .object({
      userId: f.ref().optional(),
      employeeNo: f.optText(30).optional(),
      name: f.text(50),
      gender: z.enum(['male', 'female']).nullable().optional(),
      phone: f.phone(),
      email: f.email().optional(),
      title: f.optText(50).optional(),
      qualification: f.optText(100).optional(),
      hireDate: f.date().nullable().optional(),
      status: z.enum(['active', 'on_leave', 'resigned']).optional(),
      remark: f.optText(500).optional(),
    })
    .openapi('TeacherInput'),
  item: itemSchema('Teacher', fields),
  filters: { status: { column: 'status', schema: z.enum(['active', 'on_leave', 'resigned']) } },
  search: ['name', 'phone', 'employee_no'],
  references: { userId: 'users' },
  orderBy: '`name`, `id`',
};

const classTeacherFields = fieldsOf(['classId', 'teacherId', 'role', 'startDate', 'endDate']);

/** /api/classes/:classId/teachers: who teaches a class. */
export const classTeacherFieldsMap = classTeacherFields;
export const classTeacherItem = itemSchema('ClassTeacher', classTeacherFields);
export const classTeacherInput = z
  .object({
    teacherId: f.id(),
    role: z.enum(['head', 'assistant', 'caregiver']).optional(),
    startDate: f.date().nullable().optional(),
    endDate: f.date().nullable().optional(),
  })
  .openapi('ClassTeacherInput');
