import { z } from '../../http/openapi';
import { f, fieldsOf, itemSchema } from '../crud/fields';
import type { ResourceDef } from '../crud/resource';

const fields = fieldsOf([
  'title',
  'content',
  'type',
  'targetType',
  'targetClassId',
  'targetUserIds',
  'priority',
  'senderId',
  'status',
  'publishedAt',
  'expiresAt',
]);

/** /api/notifications: announcements to everyone, staff, parents, a class or listed users. */
export const notificationResource: ResourceDef = {
  path: '/api/notifications',
  table: 'notifications',
  permission: 'notifications',
  name: 'Notification',
  fields,
  jsonFields: ['targetUserIds'],
  create: z
    .object({
      title: f.text(200),
      content: f.text(20_000),
      type: z.enum(['announcement', 'notice', 'reminder', 'emergency', 'system']).optional(),
      targetType: z.enum(['all', 'staff', 'parents', 'class', 'users']).optional(),
      targetClassId: f.ref().optional(),
      targetUserIds: z.array(f.id()).max(1000).nullable().optional(),
      priority: z.enum(['low', 'normal', 'high']).optional(),
      status: z.enum(['draft', 'published', 'withdrawn']).optional(),
      publishedAt: f.datetime().nullable().optional(),
      expiresAt: f.datetime().nullable().optional(),
    })
    .openapi('NotificationInput'),
  item: itemSchema('Notification', fields, { targetUserIds: z.array(z.number()).nullable() }),
  filters: {
    type: { column: 'type', schema: z.enum(['announcement', 'notice', 'reminder', 'emergency', 'system']) },
    status: { column: 'status', schema: z.enum(['draft', 'published', 'withdrawn']) },
    targetType: { column: 'target_type', schema: z.enum(['all', 'staff', 'parents', 'class', 'users']) },
  },
  search: ['title'],
  references: { targetClassId: 'classes' },
  onCreate: (ctx) => ({ sender_id: ctx.userId }),
};
