import { errors } from '@kg/shared';
import { z } from '../../http/openapi';
import { findItem } from '../crud/crud.repository';
import { f, fieldsOf, itemSchema } from '../crud/fields';
import type { ResourceDef } from '../crud/resource';

const GRADES = ['nursery', 'small', 'middle', 'large', 'mixed'] as const;
const PLAN_STATUSES = ['draft', 'active', 'closed', 'cancelled'] as const;
export const APPLICATION_STATUSES = ['pending', 'reviewing', 'approved', 'rejected', 'withdrawn'] as const;

const planFields = fieldsOf([
  'title',
  'year',
  'term',
  'targetCount',
  'startDate',
  'endDate',
  'minAgeMonths',
  'maxAgeMonths',
  'description',
  'status',
  'createdBy',
]);

/** /api/enrollment/plans: an intake (year, term, places, dates). */
export const planResource: ResourceDef = {
  path: '/api/enrollment/plans',
  table: 'enrollment_plans',
  permission: 'enrollment',
  name: 'EnrollmentPlan',
  fields: planFields,
  create: z
    .object({
      title: f.text(200),
      year: f.int(2000, 2100),
      term: z.enum(['spring', 'autumn']).optional(),
      targetCount: f.int(0, 100_000).optional(),
      startDate: f.date(),
      endDate: f.date(),
      minAgeMonths: f.int(0, 120).nullable().optional(),
      maxAgeMonths: f.int(0, 120).nullable().optional(),
      description: f.optText(10_000).optional(),
      status: z.enum(PLAN_STATUSES).optional(),
    })
    .openapi('EnrollmentPlanInput'),
  item: itemSchema('EnrollmentPlan', planFields),
  filters: {
    year: { column: 'year', schema: z.coerce.number().int() },
    term: { column: 'term', schema: z.enum(['spring', 'autumn']) },
    status: { column: 'status', schema: z.enum(PLAN_STATUSES) },
  },
  search: ['title'],
  onCreate: (ctx) => ({ created_by: ctx.userId }),
  validateWrite: async (_db, data) => {
    if (typeof data.startDate === 'string' && typeof data.endDate === 'string' && data.endDate < data.startDate) {
      throw errors.validation([{ field: 'endDate', message: 'must not be before startDate' }]);
    }
  },
};

const applicationFields = fieldsOf([
  'applicationNo',
  'planId',
  'childName',
  'childGender',
  'childBirthDate',
  'childIdCardNo',
  'desiredGrade',
  'parentName',
  'parentPhone',
  'parentRelationship',
  'parentEmail',
  'address',
  'channelId',
  'studentId',
  'status',
  'submittedAt',
  'reviewedBy',
  'reviewComment',
  'reviewedAt',
  'remark',
]);

const applicationInput = z
  .object({
    planId: f.id(),
    childName: f.text(50),
    childGender: z.enum(['male', 'female']),
    childBirthDate: f.date(),
    childIdCardNo: z.string().regex(/^\d{17}[\dXx]$/, 'must be an 18-character ID card number').nullable().optional(),
    desiredGrade: z.enum(GRADES).nullable().optional(),
    parentName: f.text(50),
    parentPhone: f.phone(),
    parentRelationship: z.enum(['father', 'mother', 'guardian', 'other']).nullable().optional(),
    parentEmail: f.email().optional(),
    address: f.optText(255).optional(),
    channelId: f.ref().optional(),
    remark: f.optText(500).optional(),
  })
  .openapi('EnrollmentApplicationInput');

/**
 * /api/enrollment/applications: a family applying for a place. The status moves only through
 * POST /:id/review (pending|reviewing -> approved|rejected) and /:id/withdraw.
 */
export const applicationResource: ResourceDef = {
  path: '/api/enrollment/applications',
  table: 'enrollment_applications',
  permission: 'enrollment',
  name: 'EnrollmentApplication',
  fields: applicationFields,
  create: applicationInput,
  update: applicationInput.omit({ planId: true }).partial(),
  item: itemSchema('EnrollmentApplication', applicationFields),
  filters: {
    planId: { column: 'plan_id', schema: f.idFilter() },
    status: { column: 'status', schema: z.enum(APPLICATION_STATUSES) },
    parentPhone: { column: 'parent_phone', schema: z.string().max(20) },
  },
  search: ['child_name', 'parent_name', 'parent_phone', 'application_no'],
  references: { planId: 'enrollment_plans', channelId: 'channels' },
  onCreate: () => ({ application_no: `A${Date.now().toString(36).toUpperCase()}${Math.random().toString(36).slice(2, 6).toUpperCase()}` }),
  validateWrite: async (db, _data, ctx) => {
    if (ctx.id === undefined) return;
    const current = await findItem(db, applicationResource, ctx.id);
    if (current && !['pending', 'reviewing'].includes(String(current.status))) {
      throw errors.conflict(`An application that is ${String(current.status)} can no longer be changed`);
    }
  },
};

const resultFields = fieldsOf(
  ['applicationId', 'result', 'classId', 'studentId', 'decidedBy', 'decidedAt', 'confirmDeadline', 'confirmedAt', 'remark'],
  ['createdAt', 'updatedAt'],
);

/** /api/enrollment/results: admission decisions (read-only; written by the review). */
export const resultResource: ResourceDef = {
  path: '/api/enrollment/results',
  table: 'admission_results',
  permission: 'enrollment',
  name: 'AdmissionResult',
  fields: resultFields,
  create: z.object({}),
  item: itemSchema('AdmissionResult', resultFields),
  filters: {
    result: { column: 'result', schema: z.enum(['admitted', 'waitlisted', 'rejected']) },
    applicationId: { column: 'application_id', schema: f.idFilter() },
  },
};

const notificationFields = fieldsOf([
  'resultId',
  'channel',
  'recipient',
  'title',
  'content',
  'status',
  'sentAt',
  'readAt',
  'errorMessage',
  'createdBy',
]);

/** /api/enrollment/notifications: admission notices to families (created by the review; status updatable). */
export const admissionNotificationResource: ResourceDef = {
  path: '/api/enrollment/notifications',
  table: 'admission_notifications',
  permission: 'enrollment',
  name: 'AdmissionNotification',
  fields: notificationFields,
  create: z.object({}),
  update: z
    .object({
      status: z.enum(['pending', 'sent', 'failed', 'read']),
      errorMessage: f.optText(500).optional(),
    })
    .partial()
    .openapi('AdmissionNotificationUpdate'),
  item: itemSchema('AdmissionNotification', notificationFields),
  filters: {
    resultId: { column: 'result_id', schema: f.idFilter() },
    status: { column: 'status', schema: z.enum(['pending', 'sent', 'failed', 'read']) },
  },
};
