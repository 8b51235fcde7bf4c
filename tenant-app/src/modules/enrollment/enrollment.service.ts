import { errors } from '@kg/shared';
import type { TenantDb } from '../../internal/db/tenant-db';
import { findItem, rowExists, type Item } from '../crud/crud.repository';
import { insertAdmittedStudent } from '../students/student.repository';
import { admissionNotificationResource, applicationResource, resultResource } from './enrollment.resource';
import {
  findDecision,
  findNotices,
  findResultOfApplication,
  insertNotice,
  insertResult,
  lockApplication,
  markReviewed,
  updateResult,
  withdrawIfOpen,
  type ResultWrite,
} from './enrollment.repository';

export interface ReviewInput {
  decision: 'approve' | 'reject' | 'waitlist';
  comment?: string | null;
  /** Class the child is admitted to; on approval a student record is created in it. */
  classId?: number | null;
  confirmDeadline?: string | null;
  notify?: { channel: 'sms' | 'email' | 'wechat' | 'in_app' | 'letter'; title?: string; content?: string } | null;
}

export interface ReviewOutcome {
  application: Item;
  result: Item;
  notification: Item | null;
  student: { id: number } | null;
}

const RESULT_OF = { approve: 'admitted', reject: 'rejected', waitlist: 'waitlisted' } as const;
const STATUS_OF = { approve: 'approved', reject: 'rejected', waitlist: 'reviewing' } as const;

function noticeText(result: string, childName: string, tenantName: string): { title: string; content: string } {
  if (result === 'admitted') {
    return { title: 'Admission offer', content: `${childName} has been offered a place at ${tenantName}. Please confirm the place.` };
  }
  if (result === 'waitlisted') {
    return { title: 'Waiting list', content: `${childName} is on the waiting list of ${tenantName}. We will contact you.` };
  }
  return { title: 'Application result', content: `We are sorry: ${tenantName} cannot offer ${childName} a place this time.` };
}

/**
 * Reviews an application (docs/request-path.md, The API): pending|reviewing -> approved
 * (admitted, optionally creating the student in a class), rejected, or waitlisted (stays
 * reviewing); records the admission result (one per application) and queues a notification to
 * the family. All in one transaction on the tenant's database; a second review of a decided
 * application is a 409.
 */
export async function reviewApplication(
  db: TenantDb,
  applicationId: number,
  input: ReviewInput,
  reviewer: { userId: number; tenantName: string },
): Promise<ReviewOutcome> {
  const ids = await db.transaction(async (tx) => {
    const app = await lockApplication(tx, applicationId);
    if (!app) throw errors.notFound(`EnrollmentApplication ${applicationId} does not exist`);
    if (!['pending', 'reviewing'].includes(app.status)) {
      throw errors.conflict(`This application is already ${app.status}`);
    }
    const existing = await findDecision(tx, applicationId);
    if (existing && existing.result !== 'waitlisted') throw errors.conflict('This application already has a result');
    if (input.classId && !(await rowExists(tx, 'classes', input.classId))) {
      throw errors.validation([{ field: 'classId', message: `No class with id ${input.classId}` }]);
    }
    const result = RESULT_OF[input.decision];
    let studentId: number | null = null;
    if (result === 'admitted' && input.classId) studentId = await insertAdmittedStudent(tx, app.child, input.classId);
    await markReviewed(tx, applicationId, {
      status: STATUS_OF[input.decision],
      reviewedBy: reviewer.userId,
      comment: input.comment ?? null,
      studentId,
    });
    const decision: ResultWrite = {
      result,
      classId: input.classId ?? null,
      studentId,
      decidedBy: reviewer.userId,
      confirmDeadline: input.confirmDeadline ?? null,
      remark: input.comment ?? null,
    };
    let resultId: number;
    if (existing) {
      resultId = existing.id;
      await updateResult(tx, resultId, decision);
    } else {
      resultId = await insertResult(tx, applicationId, decision);
    }
    let notificationId: number | null = null;
    if (input.notify !== null) {
      const channel = input.notify?.channel ?? 'sms';
      const text = noticeText(result, String(app.child.name), reviewer.tenantName);
      const recipient = channel === 'email' ? (app.parentEmail ?? app.parentPhone) : app.parentPhone;
      notificationId = await insertNotice(tx, resultId, {
        channel,
        recipient,
        title: input.notify?.title ?? text.title,
        content: input.notify?.content ?? text.content,
        createdBy: reviewer.userId,
      });
    }
    return { resultId, notificationId, studentId };
  });
  return {
    application: (await findItem(db, applicationResource, applicationId))!,
    result: (await findItem(db, resultResource, ids.resultId))!,
    notification: ids.notificationId ? await findItem(db, admissionNotificationResource, ids.notificationId) : null,
    student: ids.studentId ? { id: ids.studentId } : null,
  };
}

/** Withdraws a pending or reviewing application (the family gave up). */
export async function withdrawApplication(db: TenantDb, applicationId: number): Promise<Item> {
  const withdrawn = await withdrawIfOpen(db, applicationId);
  const app = await findItem(db, applicationResource, applicationId);
  if (!app) throw errors.notFound(`EnrollmentApplication ${applicationId} does not exist`);
  if (!withdrawn) throw errors.conflict(`This application is already ${String(app.status)}`);
  return app;
}

/** The admission result of an application with its notifications, or 404. */
export async function applicationResult(db: TenantDb, applicationId: number): Promise<{ result: Item; notifications: Item[] }> {
  const result = await findResultOfApplication(db, applicationId);
  if (!result) throw errors.notFound('This application has no result yet');
  return { result, notifications: await findNotices(db, result.id) };
}
