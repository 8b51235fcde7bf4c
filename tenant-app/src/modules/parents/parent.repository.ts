import type { TenantQueries } from '../../internal/db/tenant-db';
import { mapWriteErrors, toItem, type Item } from '../crud/crud.repository';
import { relationFields } from './parent.resource';

/** Which parent belongs to which child: rows of `parent_student_relations`. */
const relations = { fields: relationFields, name: 'parent-student relation', boolFields: ['isPrimary', 'canPickUp'] };
const COLUMNS = Object.values(relationFields).map((c) => `r.\`${c}\``).join(', ');

export interface RelationInput {
  studentId: number;
  relationship: string;
  isPrimary?: boolean;
  canPickUp?: boolean;
}

/** A parent's relations to children, oldest first. */
export async function findRelationsOfParent(db: TenantQueries, parentId: number): Promise<Item[]> {
  const rows = await db.rows(`SELECT ${COLUMNS} FROM ${db.t('parent_student_relations')} r WHERE r.parent_id = ? ORDER BY r.id`, [parentId]);
  return rows.map((r) => toItem(relations, r));
}

/** A child's relations to parents, oldest first. */
export async function findRelationsOfStudent(db: TenantQueries, studentId: number): Promise<Item[]> {
  const rows = await db.rows(`SELECT ${COLUMNS} FROM ${db.t('parent_student_relations')} r WHERE r.student_id = ? ORDER BY r.id`, [studentId]);
  return rows.map((r) => toItem(relations, r));
}

/** Links a parent to a child (a duplicate is a 409; may pick up unless told otherwise) and answers the link as stored. */
export async function insertRelation(db: TenantQueries, parentId: number, input: RelationInput): Promise<Item> {
  const r = await mapWriteErrors(relations, () =>
    db.exec(
      `INSERT INTO ${db.t('parent_student_relations')} (parent_id, student_id, relationship, is_primary, can_pick_up) VALUES (?, ?, ?, ?, ?)`,
      [parentId, input.studentId, input.relationship, input.isPrimary ? 1 : 0, input.canPickUp === false ? 0 : 1],
    ),
  );
  const [row] = await db.rows(`SELECT ${COLUMNS} FROM ${db.t('parent_student_relations')} r WHERE r.id = ?`, [r.insertId]);
  return toItem(relations, row!);
}

/** Unlinks a parent from a child; false when they were not linked. */
export async function deleteRelation(db: TenantQueries, parentId: number, studentId: number): Promise<boolean> {
  const r = await db.exec(`DELETE FROM ${db.t('parent_student_relations')} WHERE parent_id = ? AND student_id = ?`, [parentId, studentId]);
  return r.affectedRows > 0;
}
