import { z } from '../../http/openapi';
import { f, fieldsOf, itemSchema } from '../crud/fields';
import type { ResourceDef } from '../crud/resource';

const STATUSES = ['active', 'on_leave', 'graduated', 'withdrawn'] as const;
const fields = fieldsOf([
  'studentNo',
  'name',
  'gender',
  'birthDate',
  'classId',
  'status',
  'enrollmentDate',
  'leaveDate',
  'idCardNo',
  'address',
  'allergies',
  'healthNotes',
  'avatarUrl',
  'remark',
]);

/** /api/students: the children. */
export const studentResource: ResourceDef = {
  path: '/api/students',
  table: 'students',
  permission: 'students',
  name: 'Student',
  fields,
  create: z
    .object({
      studentNo: f.optText(30).optional(),
      name: f.text(50),
      gender: z.enum(['male', 'female']),
      birthDate: f.date(),
      classId: f.ref().optional(),
      status: z.enum(STATUSES).optional(),
      enrollmentDate: f.date().nullable().optional(),
      leaveDate: f.date().nullable().optional(),
      idCardNo: z.string().regex(/^\d{17}[\dXx]$/, 'must be an 18-character ID card number').nullable().optional(),
      address: f.optText(255).optional(),
      allergies: f.optText(500).optional(),
      healthNotes: f.optText(5000).optional(),
      avatarUrl: f.optText(500).optional(),
      remark: f.optText(500).optional(),
    })
    .openapi('StudentInput'),
  item: itemSchema('Student', fields),
  filters: {
    classId: { column: 'class_id', schema: f.idFilter() },
    status: { column: 'status', schema: z.enum(STATUSES) },
    gender: { column: 'gender', schema: z.enum(['male', 'female']) },
  },
  search: ['name', 'student_no'],
  references: { classId: 'classes' },
  orderBy: '`name`, `id`',
};
