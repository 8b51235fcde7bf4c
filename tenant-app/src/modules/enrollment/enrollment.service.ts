import { errors } from '@kg/shared';
import type { TenantDb } from '../../internal/db/tenant-db';
import { getItem, toItem, type Item } from '../crud/crud.repository';
import { admissionNotificationResource, applicationResource, resultResource } from './enrollment.resource';

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
 * Reviews an application (enrollment flow of SPEC §7): pending|reviewing -> approved (admitted,
 * optionally creating the student in a class), rejected, or waitlisted (stays reviewing); records
 * the admission result (one per application) and queues a notification to the family. All in one
 * transaction on the tenant's database; a second review of a decided application is a 409.
 */
export async function reviewApplication(
  db: TenantDb,
  applicationId: number,
  input: ReviewInput,
  reviewer: { userId: number; tenantName: string },
): Promise<ReviewOutcome> {
  const ids = await db.transaction(async (tx) => {
    const [app] = await tx.rows(`SELECT * FROM ${tx.t('enrollment_applications')} WHERE id = ? FOR UPDATE`, [applicationId]);
    if (!app) throw errors.notFound(`EnrollmentApplication ${applicationId} does not exist`);
    if (!['pending', 'reviewing'].includes(String(app.status))) {
      throw errors.conflict(`This application is already ${String(app.status)}`);
    }
    const [existing] = await tx.rows(`SELECT id, result FROM ${tx.t('admission_results')} WHERE application_id = ?`, [applicationId]);
    if (existing && existing.result !== 'waitlisted') throw errors.conflict('This application already has a result');
    if (input.classId) {
      const cls = await tx.rows(`SELECT id FROM ${tx.t('classes')} WHERE id = ?`, [input.classId]);
      if (!cls.length) throw errors.validation([{ field: 'classId', message: `No class with id ${input.classId}` }]);
    }
    const result = RESULT_OF[input.decision];
    let studentId: number | null = null;
    if (result === 'admitted' && input.classId) {
      const s = await tx.exec(
        `INSERT INTO ${tx.t('students')} (name, gender, birth_date, class_id, status, enrollment_date, id_card_no, address)
         VALUES (?, ?, ?, ?, 'active', CURRENT_DATE, ?, ?)`,
        [app.child_name, app.child_gender, app.child_birth_date, input.classId, app.child_id_card_no ?? null, app.address ?? null],
      );
      studentId = s.insertId;
    }
    await tx.exec(
      `UPDATE ${tx.t('enrollment_applications')}
          SET status = ?, reviewed_by = ?, review_comment = ?, reviewed_at = CURRENT_TIMESTAMP(3), student_id = COALESCE(?, student_id)
        WHERE id = ?`,
      [STATUS_OF[input.decision], reviewer.userId, input.comment ?? null, studentId, applicationId],
    );
    let resultId: number;
    if (existing) {
      resultId = Number(existing.id);
      await tx.exec(
        `UPDATE ${tx.t('admission_results')} SET result = ?, class_id = ?, student_id = ?, decided_by = ?, decided_at = CURRENT_TIMESTAMP(3),
                confirm_deadline = ?, remark = ? WHERE id = ?`,
        [result, input.classId ?? null, studentId, reviewer.userId, input.confirmDeadline ?? null, input.comment ?? null, resultId],
      );
    } else {
      const r = await tx.exec(
        `INSERT INTO ${tx.t('admission_results')} (application_id, result, class_id, student_id, decided_by, confirm_deadline, remark)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
        [applicationId, result, input.classId ?? null, studentId, reviewer.userId, input.confirmDeadline ?? null, input.comment ?? null],
      );
      resultId = r.insertId;
    }
    let notificationId: number | null = null;
    if (input.notify !== null) {
      const channel = input.notify?.channel ?? 'sms';
      const text = noticeText(result, String(app.child_name), reviewer.tenantName);
      const recipient = channel === 'email' ? (app.parent_email ?? app.parent_phone) : app.parent_phone;
      const n = await tx.exec(
        `INSERT INTO ${tx.t('admission_notifications')} (result_id, channel, recipient, title, content, status, created_by)
         VALUES (?, ?, ?, ?, ?, 'pending', ?)`,
        [resultId, channel, recipient, input.notify?.title ?? text.title, input.notify?.content ?? text.content, reviewer.userId],
      );
      notificationId = n.insertId;
    }
    return { resultId, notificationId, studentId };
  });
  return {
    application: (await getItem(db, applicationResource, applicationId))!,
    result: (await getItem(db, resultResource, ids.resultId))!,
    notification: ids.notificationId ? await getItem(db, admissionNotificationResource, ids.notificationId) : null,
    student: ids.studentId ? { id: ids.studentId } : null,
  };
}

/** Withdraws a pending or reviewing application (the family gave up). */
export async function withdrawApplication(db: TenantDb, applicationId: number): Promise<Item> {
  const r = await db.exec(
    `UPDATE ${db.t('enrollment_applications')} SET status = 'withdrawn' WHERE id = ? AND status IN ('pending', 'reviewing')`,
    [applicationId],
  );
  const app = await getItem(db, applicationResource, applicationId);
  if (!app) throw errors.notFound(`EnrollmentApplication ${applicationId} does not exist`);
  if (r.affectedRows === 0) throw errors.conflict(`This application is already ${String(app.status)}`);
  return app;
}

/** The admission result of an application with its notifications, or 404. */
export async function applicationResult(db: TenantDb, applicationId: number): Promise<{ result: Item; notifications: Item[] }> {
  const [row] = await db.rows(`SELECT * FROM ${db.t('admission_results')} WHERE application_id = ?`, [applicationId]);
  if (!row) throw errors.notFound('This application has no result yet');
  const notes = await db.rows(`SELECT * FROM ${db.t('admission_notifications')} WHERE result_id = ? ORDER BY id`, [row.id]);
  return { result: toItem(resultResource, row), notifications: notes.map((n) => toItem(admissionNotificationResource, n)) };
}
