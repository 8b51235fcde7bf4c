import { z } from '../../http/openapi';
import { f, fieldsOf, itemSchema } from '../crud/fields';
import type { ResourceDef } from '../crud/resource';

const STATUSES = ['pending', 'in_progress', 'done', 'cancelled'] as const;
const fields = fieldsOf([
  'title',
  'description',
  'assigneeId',
  'creatorId',
  'priority',
  'status',
  'dueAt',
  'completedAt',
  'relatedType',
  'relatedId',
]);

/** /api/todos: staff to-dos, optionally about another record (relatedType/relatedId). */
export const todoResource: ResourceDef = {
  path: '/api/todos',
  table: 'todos',
  permission: 'todos',
  name: 'Todo',
  fields,
  create: z
    .object({
      title: f.text(200),
      description: f.optText(20_000).optional(),
      assigneeId: f.ref().optional(),
      priority: z.enum(['low', 'medium', 'high', 'urgent']).optional(),
      status: z.enum(STATUSES).optional(),
      dueAt: f.datetime().nullable().optional(),
      relatedType: f.optText(50).optional(),
      relatedId: f.ref().optional(),
    })
    .openapi('TodoInput'),
  item: itemSchema('Todo', fields),
  filters: {
    status: { column: 'status', schema: z.enum(STATUSES) },
    assigneeId: { column: 'assignee_id', schema: f.idFilter() },
    priority: { column: 'priority', schema: z.enum(['low', 'medium', 'high', 'urgent']) },
  },
  search: ['title'],
  references: { assigneeId: 'users' },
  orderBy: '`status` = \'done\', `due_at` IS NULL, `due_at`, `id` DESC',
  onCreate: (ctx) => ({ creator_id: ctx.userId }),
};
