import type { TenantQueries } from '../../internal/db/tenant-db';
import { toItem, type Item } from '../crud/crud.repository';
import type { AdmittedChild } from '../students/student.repository';
import { admissionNotificationResource, resultResource } from './enrollment.resource';

/**
 * Statements of the enrollment flow beyond plain collections: an application under review, its
 * admission result and the notices to the family (tables enrollment_applications,
 * admission_results, admission_notifications). The admitted child's student row is written by
 * the students module (student.repository.ts).
 */

/** An application as the review needs it (values as stored). */
export interface ApplicationUnderReview {
  status: string;
  child: AdmittedChild;
  parentPhone: unknown;
  parentEmail: unknown;
}

export interface ResultWrite {
  result: string;
  classId: number | null;
  studentId: number | null;
  decidedBy: number;
  confirmDeadline: string | null;
  remark: string | null;
}

export interface NoticeWrite {
  channel: string;
  recipient: unknown;
  title: string;
  content: string;
  createdBy: number;
}

/** The application, its row locked until the transaction ends; null when there is none. */
export async function lockApplication(tx: TenantQueries, applicationId: number): Promise<ApplicationUnderReview | null> {
  const [app] = await tx.rows(`SELECT * FROM ${tx.t('enrollment_applications')} WHERE id = ? FOR UPDATE`, [applicationId]);
  if (!app) return null;
  return {
    status: String(app.status),
    child: {
      name: app.child_name,
      gender: app.child_gender,
      birthDate: app.child_birth_date,
      idCardNo: app.child_id_card_no ?? null,
      address: app.address ?? null,
    },
    parentPhone: app.parent_phone,
    parentEmail: app.parent_email,
  };
}

/** The id and decision of the application's admission result, if it has one. */
export async function findDecision(tx: TenantQueries, applicationId: number): Promise<{ id: number; result: string } | null> {
  const [existing] = await tx.rows(`SELECT id, result FROM ${tx.t('admission_results')} WHERE application_id = ?`, [applicationId]);
  return existing ? { id: Number(existing.id), result: String(existing.result) } : null;
}

/** Records the reviewer's decision on the application (and the student it became, if any). */
export async function markReviewed(
  tx: TenantQueries,
  applicationId: number,
  review: { status: string; reviewedBy: number; comment: string | null; studentId: number | null },
): Promise<void> {
  await tx.exec(
    `UPDATE ${tx.t('enrollment_applications')}
        SET status = ?, reviewed_by = ?, review_comment = ?, reviewed_at = CURRENT_TIMESTAMP(3), student_id = COALESCE(?, student_id)
      WHERE id = ?`,
    [review.status, review.reviewedBy, review.comment, review.studentId, applicationId],
  );
}

export async function insertResult(tx: TenantQueries, applicationId: number, w: ResultWrite): Promise<number> {
  const r = await tx.exec(
    `INSERT INTO ${tx.t('admission_results')} (application_id, result, class_id, student_id, decided_by, confirm_deadline, remark)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
    [applicationId, w.result, w.classId, w.studentId, w.decidedBy, w.confirmDeadline, w.remark],
  );
  return r.insertId;
}

export async function updateResult(tx: TenantQueries, resultId: number, w: ResultWrite): Promise<void> {
  await tx.exec(
    `UPDATE ${tx.t('admission_results')} SET result = ?, class_id = ?, student_id = ?, decided_by = ?, decided_at = CURRENT_TIMESTAMP(3),
            confirm_deadline = ?, remark = ? WHERE id = ?`,
    [w.result, w.classId, w.studentId, w.decidedBy, w.confirmDeadline, w.remark, resultId],
  );
}

/** Queues a notice of the result to the family (status pending); returns its id. */
export async function insertNotice(tx: TenantQueries, resultId: number, n: NoticeWrite): Promise<number> {
  const r = await tx.exec(
    `INSERT INTO ${tx.t('admission_notifications')} (result_id, channel, recipient, title, content, status, created_by)
     VALUES (?, ?, ?, ?, ?, 'pending', ?)`,
    [resultId, n.channel, n.recipient, n.title, n.content, n.createdBy],
  );
  return r.insertId;
}

/** Withdraws the application if it is still pending or reviewing; false when it was not. */
export async function withdrawIfOpen(db: TenantQueries, applicationId: number): Promise<boolean> {
  const r = await db.exec(
    `UPDATE ${db.t('enrollment_applications')} SET status = 'withdrawn' WHERE id = ? AND status IN ('pending', 'reviewing')`,
    [applicationId],
  );
  return r.affectedRows > 0;
}

/** The admission result of an application, or null. */
export async function findResultOfApplication(db: TenantQueries, applicationId: number): Promise<Item | null> {
  const [row] = await db.rows(`SELECT * FROM ${db.t('admission_results')} WHERE application_id = ?`, [applicationId]);
  return row ? toItem(resultResource, row) : null;
}

/** The notices sent about a result, oldest first. */
export async function findNotices(db: TenantQueries, resultId: unknown): Promise<Item[]> {
  const notes = await db.rows(`SELECT * FROM ${db.t('admission_notifications')} WHERE result_id = ? ORDER BY id`, [resultId]);
  return notes.map((n) => toItem(admissionNotificationResource, n));
}
