import { errors } from '@kg/shared';
import type { TenantQueries } from '../../internal/db/tenant-db';
import { rowExists, type Item } from '../crud/crud.repository';
import { requireItem } from '../crud/crud.service';
import { teacherResource } from '../teachers/teacher.resource';
import { classResource } from './class.resource';
import { deleteClassTeacher, findClassTeachers, insertClassTeacher, type ClassTeacherInput } from './class.repository';

/** The teachers of a class (404 when the class does not exist in this tenant). */
export async function teachersOfClass(db: TenantQueries, classId: number): Promise<Item[]> {
  await requireItem(db, classResource, classId);
  return findClassTeachers(db, classId);
}

/** Assigns a teacher of this tenant to a class of this tenant (an unknown teacher is a 400 on teacherId). */
export async function assignTeacher(db: TenantQueries, classId: number, input: ClassTeacherInput): Promise<Item> {
  await requireItem(db, classResource, classId);
  if (!(await rowExists(db, teacherResource.table, input.teacherId))) {
    throw errors.validation([{ field: 'teacherId', message: `No teacher with id ${input.teacherId}` }]);
  }
  return insertClassTeacher(db, classId, input);
}

/** Removes a teacher from a class (404 when they were not assigned to it). */
export async function unassignTeacher(db: TenantQueries, classId: number, teacherId: number): Promise<void> {
  if (!(await deleteClassTeacher(db, classId, teacherId))) throw errors.notFound('This teacher is not assigned to this class');
}
