import { errors } from '@kg/shared';
import { z } from '../../http/openapi';
import { f, fieldsOf, itemSchema } from '../crud/fields';
import type { ResourceDef } from '../crud/resource';

const TYPES = ['open_day', 'parent_child', 'festival', 'outdoor', 'lecture', 'performance', 'other'] as const;
const STATUSES = ['draft', 'published', 'ongoing', 'finished', 'cancelled'] as const;
const fields = fieldsOf([
  'templateId',
  'title',
  'type',
  'description',
  'location',
  'startTime',
  'endTime',
  'capacity',
  'registrationDeadline',
  'fee',
  'targetAudience',
  'coverUrl',
  'status',
  'createdBy',
]);

/** /api/activities: open days, parent-child events, festivals... (capacity null = unlimited). */
export const activityResource: ResourceDef = {
  path: '/api/activities',
  table: 'activities',
  permission: 'activities',
  name: 'Activity',
  fields,
  create: z
    .object({
      title: f.text(200),
      type: z.enum(TYPES).optional(),
      description: f.optText(20_000).optional(),
      location: f.optText(200).optional(),
      startTime: f.datetime(),
      endTime: f.datetime(),
      capacity: f.int(1, 100_000).nullable().optional(),
      registrationDeadline: f.datetime().nullable().optional(),
      fee: f.money().optional(),
      targetAudience: z.enum(['all', 'students', 'parents', 'prospective', 'staff']).optional(),
      coverUrl: f.optText(500).optional(),
      status: z.enum(STATUSES).optional(),
    })
    .openapi('ActivityInput'),
  item: itemSchema('Activity', fields),
  filters: {
    type: { column: 'type', schema: z.enum(TYPES) },
    status: { column: 'status', schema: z.enum(STATUSES) },
    from: { column: 'start_time', schema: z.coerce.date(), op: 'gte' },
    to: { column: 'start_time', schema: z.coerce.date(), op: 'lte' },
  },
  search: ['title', 'location'],
  orderBy: '`start_time` DESC, `id` DESC',
  onCreate: (ctx) => ({ created_by: ctx.userId }),
  validateWrite: async (_db, data) => {
    if (data.startTime instanceof Date && data.endTime instanceof Date && data.endTime < data.startTime) {
      throw errors.validation([{ field: 'endTime', message: 'must not be before startTime' }]);
    }
  },
};

export const registrationFields = fieldsOf([
  'activityId',
  'studentId',
  'parentId',
  'parentName',
  'parentPhone',
  'childName',
  'childAgeMonths',
  'participants',
  'status',
  'checkedInAt',
  'remark',
]);
export const registrationItem = itemSchema('ActivityRegistration', registrationFields);
export const registrationInput = z
  .object({
    studentId: f.ref().optional(),
    parentId: f.ref().optional(),
    parentName: f.text(50),
    parentPhone: f.phone(),
    childName: z.string().trim().max(50).optional(),
    childAgeMonths: f.int(0, 240).nullable().optional(),
    participants: f.int(1, 20).optional(),
    remark: f.optText(500).optional(),
  })
  .openapi('ActivityRegistrationInput');
export const registrationUpdate = z
  .object({
    status: z.enum(['registered', 'confirmed', 'cancelled', 'attended', 'absent']),
    participants: f.int(1, 20),
    remark: f.optText(500),
  })
  .partial()
  .openapi('ActivityRegistrationUpdate');
