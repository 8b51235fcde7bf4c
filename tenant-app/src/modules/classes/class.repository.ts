import type { TenantQueries } from '../../internal/db/tenant-db';
import { mapWriteErrors, toItem, type Item } from '../crud/crud.repository';
import { classTeacherFieldsMap } from '../teachers/teacher.resource';

/** Who teaches which class: rows of `class_teachers`. */
const classTeachers = { fields: classTeacherFieldsMap, name: 'class teacher' };
const COLUMNS = Object.values(classTeacherFieldsMap).map((c) => `ct.\`${c}\``).join(', ');

export interface ClassTeacherInput {
  teacherId: number;
  role?: string;
  startDate?: string | null;
  endDate?: string | null;
}

/** The teacher assignments of a class, oldest first. */
export async function findClassTeachers(db: TenantQueries, classId: number): Promise<Item[]> {
  const rows = await db.rows(`SELECT ${COLUMNS} FROM ${db.t('class_teachers')} ct WHERE ct.class_id = ? ORDER BY ct.id`, [classId]);
  return rows.map((r) => toItem(classTeachers, r));
}

/** Records an assignment (a duplicate is a 409) and answers it as stored. */
export async function insertClassTeacher(db: TenantQueries, classId: number, input: ClassTeacherInput): Promise<Item> {
  const r = await mapWriteErrors(classTeachers, () =>
    db.exec(`INSERT INTO ${db.t('class_teachers')} (class_id, teacher_id, role, start_date, end_date) VALUES (?, ?, ?, ?, ?)`, [
      classId,
      input.teacherId,
      input.role ?? 'head',
      input.startDate ?? null,
      input.endDate ?? null,
    ]),
  );
  const [row] = await db.rows(`SELECT ${COLUMNS} FROM ${db.t('class_teachers')} ct WHERE ct.id = ?`, [r.insertId]);
  return toItem(classTeachers, row!);
}

/** Removes a teacher from a class; false when they were not assigned to it. */
export async function deleteClassTeacher(db: TenantQueries, classId: number, teacherId: number): Promise<boolean> {
  const r = await db.exec(`DELETE FROM ${db.t('class_teachers')} WHERE class_id = ? AND teacher_id = ?`, [classId, teacherId]);
  return r.affectedRows > 0;
}
