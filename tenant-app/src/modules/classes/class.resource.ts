import { z } from '../../http/openapi';
import { f, fieldsOf, itemSchema } from '../crud/fields';
import type { ResourceDef } from '../crud/resource';

const GRADES = ['nursery', 'small', 'middle', 'large', 'mixed'] as const;
const fields = fieldsOf(['name', 'code', 'grade', 'academicYear', 'capacity', 'room', 'status', 'description']);

/** /api/classes: a class of one academic year (name unique per year). */
export const classResource: ResourceDef = {
  path: '/api/classes',
  table: 'classes',
  permission: 'classes',
  name: 'Class',
  fields,
  create: z
    .object({
      name: f.text(50),
      code: f.optText(30).optional(),
      grade: z.enum(GRADES),
      academicYear: z.string().regex(/^\d{4}-\d{4}$/, 'must look like 2025-2026'),
      capacity: f.int(1, 1000).optional(),
      room: f.optText(50).optional(),
      status: z.enum(['active', 'archived']).optional(),
      description: f.optText(500).optional(),
    })
    .openapi('ClassInput'),
  item: itemSchema('Class', fields),
  filters: {
    grade: { column: 'grade', schema: z.enum(GRADES) },
    status: { column: 'status', schema: z.enum(['active', 'archived']) },
    academicYear: { column: 'academic_year', schema: z.string().max(9) },
  },
  search: ['name', 'code'],
  orderBy: '`academic_year` DESC, `name`',
};
