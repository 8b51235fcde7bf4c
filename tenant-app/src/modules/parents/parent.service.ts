import { errors } from '@kg/shared';
import type { TenantQueries } from '../../internal/db/tenant-db';
import { rowExists, type Item } from '../crud/crud.repository';
import { requireItem } from '../crud/crud.service';
import { studentResource } from '../students/student.resource';
import { parentResource } from './parent.resource';
import { deleteRelation, findRelationsOfParent, findRelationsOfStudent, insertRelation, type RelationInput } from './parent.repository';

/** A parent's children with the relationship (404 when the parent does not exist in this tenant). */
export async function childrenOf(db: TenantQueries, parentId: number): Promise<Item[]> {
  await requireItem(db, parentResource, parentId);
  return findRelationsOfParent(db, parentId);
}

/** A child's parents with the relationship (404 when the child does not exist in this tenant). */
export async function parentsOf(db: TenantQueries, studentId: number): Promise<Item[]> {
  await requireItem(db, studentResource, studentId);
  return findRelationsOfStudent(db, studentId);
}

/** Links a parent of this tenant to a child of this tenant (an unknown child is a 400 on studentId). */
export async function linkChild(db: TenantQueries, parentId: number, input: RelationInput): Promise<Item> {
  await requireItem(db, parentResource, parentId);
  if (!(await rowExists(db, studentResource.table, input.studentId))) {
    throw errors.validation([{ field: 'studentId', message: `No student with id ${input.studentId}` }]);
  }
  return insertRelation(db, parentId, input);
}

/** Unlinks a parent from a child (404 when they were not linked). */
export async function unlinkChild(db: TenantQueries, parentId: number, studentId: number): Promise<void> {
  if (!(await deleteRelation(db, parentId, studentId))) throw errors.notFound('This parent is not linked to this child');
}
