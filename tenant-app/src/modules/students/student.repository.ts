import type { TenantQueries } from '../../internal/db/tenant-db';

/**
 * Student rows written outside the generic collection (which serves /api/students through
 * student.resource.ts): the child admitted by an enrollment review.
 */

/** An admitted child as the application recorded them (values as stored there). */
export interface AdmittedChild {
  name: unknown;
  gender: unknown;
  birthDate: unknown;
  idCardNo: unknown;
  address: unknown;
}

/** Creates the child as an active student of the class, enrolled today; returns the student id. */
export async function insertAdmittedStudent(tx: TenantQueries, child: AdmittedChild, classId: number): Promise<number> {
  const s = await tx.exec(
    `INSERT INTO ${tx.t('students')} (name, gender, birth_date, class_id, status, enrollment_date, id_card_no, address)
     VALUES (?, ?, ?, ?, 'active', CURRENT_DATE, ?, ?)`,
    [child.name, child.gender, child.birthDate, classId, child.idCardNo, child.address],
  );
  return s.insertId;
}
