import { ErrorCode, errors } from '@kg/shared';
import type { TenantDb } from '../../internal/db/tenant-db';
import { getItem, mapWriteErrors, toItem, type Item } from '../crud/crud.repository';
import { registrationFields } from './activity.resource';

const registrations = { fields: registrationFields, name: 'registration' };
const COLUMNS = Object.values(registrationFields).map((c) => `\`${c}\``).join(', ');

export interface RegistrationInput {
  studentId?: number | null;
  parentId?: number | null;
  parentName: string;
  parentPhone: string;
  childName?: string;
  childAgeMonths?: number | null;
  participants?: number;
  remark?: string | null;
}

/** Registrations of an activity, oldest first. */
export async function listRegistrations(db: TenantDb, activityId: number): Promise<Item[]> {
  const rows = await db.rows(`SELECT ${COLUMNS} FROM ${db.t('activity_registrations')} WHERE activity_id = ? ORDER BY id`, [activityId]);
  return rows.map((r) => toItem(registrations, r));
}

/**
 * Signs a family up: the activity must be open (not draft, cancelled or finished), before its
 * registration deadline, and have room for the participants (capacity counts every registration
 * not cancelled). The activity row is locked so two sign-ups cannot both take the last place.
 */
export async function register(db: TenantDb, activityId: number, input: RegistrationInput): Promise<Item> {
  const id = await db.transaction(async (tx) => {
    const [activity] = await tx.rows(
      `SELECT status, capacity, registration_deadline FROM ${tx.t('activities')} WHERE id = ? FOR UPDATE`,
      [activityId],
    );
    if (!activity) throw errors.notFound(`Activity ${activityId} does not exist`);
    if (!['published', 'ongoing'].includes(String(activity.status))) {
      throw errors.conflict(`Registration is closed: the activity is ${String(activity.status)}`, 'REGISTRATION_CLOSED');
    }
    if (activity.registration_deadline && new Date(activity.registration_deadline) < new Date()) {
      throw errors.conflict('The registration deadline has passed', 'REGISTRATION_CLOSED');
    }
    const participants = input.participants ?? 1;
    if (activity.capacity !== null) {
      const [taken] = await tx.rows(
        `SELECT COALESCE(SUM(participants), 0) AS n FROM ${tx.t('activity_registrations')} WHERE activity_id = ? AND status <> 'cancelled'`,
        [activityId],
      );
      if (Number(taken!.n) + participants > Number(activity.capacity)) {
        throw errors.conflict('The activity is full', 'ACTIVITY_FULL', { capacity: Number(activity.capacity), taken: Number(taken!.n) });
      }
    }
    for (const [field, table, value] of [
      ['studentId', 'students', input.studentId],
      ['parentId', 'parents', input.parentId],
    ] as const) {
      if (value == null) continue;
      const found = await tx.rows(`SELECT 1 FROM ${tx.t(table)} WHERE id = ?`, [value]);
      if (!found.length) throw errors.validation([{ field, message: `No ${table} row with id ${value}` }]);
    }
    const r = await mapWriteErrors(registrations, () =>
      tx.exec(
        `INSERT INTO ${tx.t('activity_registrations')}
           (activity_id, student_id, parent_id, parent_name, parent_phone, child_name, child_age_months, participants, remark)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          activityId,
          input.studentId ?? null,
          input.parentId ?? null,
          input.parentName,
          input.parentPhone,
          input.childName ?? '',
          input.childAgeMonths ?? null,
          participants,
          input.remark ?? null,
        ],
      ),
    );
    return r.insertId;
  });
  return (await getRegistration(db, activityId, id))!;
}

export async function getRegistration(db: TenantDb, activityId: number, id: number): Promise<Item | null> {
  const [row] = await db.rows(`SELECT ${COLUMNS} FROM ${db.t('activity_registrations')} WHERE id = ? AND activity_id = ?`, [id, activityId]);
  return row ? toItem(registrations, row) : null;
}

/** Changes a registration's status (confirmed, attended: check-in time recorded), participants or remark. */
export async function updateRegistration(
  db: TenantDb,
  activityId: number,
  id: number,
  input: { status?: string; participants?: number; remark?: string | null },
): Promise<Item> {
  const current = await getRegistration(db, activityId, id);
  if (!current) throw errors.notFound(`Registration ${id} does not exist`, ErrorCode.NotFound);
  const sets: string[] = [];
  const args: unknown[] = [];
  if (input.status !== undefined) {
    sets.push('status = ?');
    args.push(input.status);
    if (input.status === 'attended') sets.push('checked_in_at = COALESCE(checked_in_at, CURRENT_TIMESTAMP(3))');
  }
  if (input.participants !== undefined) {
    sets.push('participants = ?');
    args.push(input.participants);
  }
  if (input.remark !== undefined) {
    sets.push('remark = ?');
    args.push(input.remark);
  }
  if (sets.length) {
    await db.exec(`UPDATE ${db.t('activity_registrations')} SET ${sets.join(', ')} WHERE id = ? AND activity_id = ?`, [...args, id, activityId]);
  }
  return (await getRegistration(db, activityId, id))!;
}

export async function deleteRegistration(db: TenantDb, activityId: number, id: number): Promise<void> {
  const r = await db.exec(`DELETE FROM ${db.t('activity_registrations')} WHERE id = ? AND activity_id = ?`, [id, activityId]);
  if (r.affectedRows === 0) throw errors.notFound(`Registration ${id} does not exist`);
}

export { getItem };
