import { z } from '../../http/openapi';
import { f, fieldsOf, itemSchema } from '../crud/fields';
import type { ResourceDef } from '../crud/resource';

const fields = fieldsOf(['userId', 'name', 'phone', 'email', 'wechat', 'occupation', 'workplace', 'address', 'status', 'remark']);

/** /api/parents: family contacts (phone unique). */
export const parentResource: ResourceDef = {
  path: '/api/parents',
  table: 'parents',
  permission: 'parents',
  name: 'Parent',
  fields,
  create: z
    .object({
      userId: f.ref().optional(),
      name: f.text(50),
      phone: f.phone(),
      email: f.email().optional(),
      wechat: f.optText(50).optional(),
      occupation: f.optText(100).optional(),
      workplace: f.optText(200).optional(),
      address: f.optText(255).optional(),
      status: z.enum(['active', 'inactive']).optional(),
      remark: f.optText(500).optional(),
    })
    .openapi('ParentInput'),
  item: itemSchema('Parent', fields),
  filters: { status: { column: 'status', schema: z.enum(['active', 'inactive']) } },
  search: ['name', 'phone'],
  references: { userId: 'users' },
  orderBy: '`name`, `id`',
};

export const relationFields = fieldsOf(['parentId', 'studentId', 'relationship', 'isPrimary', 'canPickUp']);
export const relationItem = itemSchema('ParentStudentRelation', relationFields, {
  isPrimary: z.boolean(),
  canPickUp: z.boolean(),
});
export const relationInput = z
  .object({
    studentId: f.id(),
    relationship: z.enum(['father', 'mother', 'guardian', 'other']),
    isPrimary: f.bool().optional(),
    canPickUp: f.bool().optional(),
  })
  .openapi('ParentStudentRelationInput');
