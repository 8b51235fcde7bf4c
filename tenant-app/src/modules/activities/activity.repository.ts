import type { TenantQueries } from '../../internal/db/tenant-db';
import { mapWriteErrors, toItem, type Item } from '../crud/crud.repository';
import { registrationFields } from './activity.resource';

/** Sign-ups for activities: rows of `activity_registrations` (and the activity's registration terms). */
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

export interface RegistrationChange {
  status?: string;
  participants?: number;
  remark?: string | null;
}

/** What decides whether an activity takes a registration. */
export interface RegistrationTerms {
  status: string;
  capacity: number | null;
  registrationDeadline: Date | string | null;
}

/** Registrations of an activity, oldest first. */
export async function findRegistrations(db: TenantQueries, activityId: number): Promise<Item[]> {
  const rows = await db.rows(`SELECT ${COLUMNS} FROM ${db.t('activity_registrations')} WHERE activity_id = ? ORDER BY id`, [activityId]);
  return rows.map((r) => toItem(registrations, r));
}

export async function findRegistration(db: TenantQueries, activityId: number, id: number): Promise<Item | null> {
  const [row] = await db.rows(`SELECT ${COLUMNS} FROM ${db.t('activity_registrations')} WHERE id = ? AND activity_id = ?`, [id, activityId]);
  return row ? toItem(registrations, row) : null;
}

/**
 * The activity's registration terms, its row locked until the transaction ends (so two sign-ups
 * cannot both take the last place); null when there is no such activity.
 */
export async function lockRegistrationTerms(tx: TenantQueries, activityId: number): Promise<RegistrationTerms | null> {
  const [activity] = await tx.rows(
    `SELECT status, capacity, registration_deadline FROM ${tx.t('activities')} WHERE id = ? FOR UPDATE`,
    [activityId],
  );
  if (!activity) return null;
  return { status: String(activity.status), capacity: activity.capacity, registrationDeadline: activity.registration_deadline };
}

/** Participants of every registration of the activity that is not cancelled. */
export async function takenPlaces(tx: TenantQueries, activityId: number): Promise<number> {
  const [taken] = await tx.rows(
    `SELECT COALESCE(SUM(participants), 0) AS n FROM ${tx.t('activity_registrations')} WHERE activity_id = ? AND status <> 'cancelled'`,
    [activityId],
  );
  return Number(taken!.n);
}

/** Records a registration and returns its id. */
export async function insertRegistration(tx: TenantQueries, activityId: number, input: RegistrationInput, participants: number): Promise<number> {
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
}

/** Writes the fields given; an `attended` status records the check-in time once. */
export async function updateRegistrationFields(db: TenantQueries, activityId: number, id: number, input: RegistrationChange): Promise<void> {
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
}

/** Deletes a registration; false when there was none. */
export async function deleteRegistrationRow(db: TenantQueries, activityId: number, id: number): Promise<boolean> {
  const r = await db.exec(`DELETE FROM ${db.t('activity_registrations')} WHERE id = ? AND activity_id = ?`, [id, activityId]);
  return r.affectedRows > 0;
}
