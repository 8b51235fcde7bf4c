import { ErrorCode, errors } from '@kg/shared';
import type { TenantDb } from '../../internal/db/tenant-db';
import { rowExists, type Item } from '../crud/crud.repository';
import { requireItem } from '../crud/crud.service';
import { activityResource } from './activity.resource';
import {
  deleteRegistrationRow,
  findRegistration,
  findRegistrations,
  insertRegistration,
  lockRegistrationTerms,
  takenPlaces,
  updateRegistrationFields,
  type RegistrationChange,
  type RegistrationInput,
} from './activity.repository';

export type { RegistrationInput };

/** Registrations of an activity, oldest first (404 when the activity does not exist). */
export async function listRegistrations(db: TenantDb, activityId: number): Promise<Item[]> {
  await requireItem(db, activityResource, activityId);
  return findRegistrations(db, activityId);
}

/**
 * Signs a family up: the activity must be open (not draft, cancelled or finished), before its
 * registration deadline, and have room for the participants (capacity counts every registration
 * not cancelled). The activity row is locked so two sign-ups cannot both take the last place.
 */
export async function register(db: TenantDb, activityId: number, input: RegistrationInput): Promise<Item> {
  const id = await db.transaction(async (tx) => {
    const activity = await lockRegistrationTerms(tx, activityId);
    if (!activity) throw errors.notFound(`Activity ${activityId} does not exist`);
    if (!['published', 'ongoing'].includes(activity.status)) {
      throw errors.conflict(`Registration is closed: the activity is ${activity.status}`, 'REGISTRATION_CLOSED');
    }
    if (activity.registrationDeadline && new Date(activity.registrationDeadline) < new Date()) {
      throw errors.conflict('The registration deadline has passed', 'REGISTRATION_CLOSED');
    }
    const participants = input.participants ?? 1;
    if (activity.capacity !== null) {
      const taken = await takenPlaces(tx, activityId);
      if (taken + participants > Number(activity.capacity)) {
        throw errors.conflict('The activity is full', 'ACTIVITY_FULL', { capacity: Number(activity.capacity), taken });
      }
    }
    for (const [field, table, value] of [
      ['studentId', 'students', input.studentId],
      ['parentId', 'parents', input.parentId],
    ] as const) {
      if (value == null) continue;
      if (!(await rowExists(tx, table, value))) throw errors.validation([{ field, message: `No ${table} row with id ${value}` }]);
    }
    return insertRegistration(tx, activityId, input, participants);
  });
  return (await findRegistration(db, activityId, id))!;
}

/** One registration of an activity (404 otherwise). */
export async function getRegistration(db: TenantDb, activityId: number, id: number): Promise<Item> {
  const r = await findRegistration(db, activityId, id);
  if (!r) throw errors.notFound('Registration does not exist');
  return r;
}

/** Changes a registration's status (confirmed, attended: check-in time recorded), participants or remark. */
export async function updateRegistration(db: TenantDb, activityId: number, id: number, input: RegistrationChange): Promise<Item> {
  const current = await findRegistration(db, activityId, id);
  if (!current) throw errors.notFound(`Registration ${id} does not exist`, ErrorCode.NotFound);
  await updateRegistrationFields(db, activityId, id, input);
  return (await findRegistration(db, activityId, id))!;
}

export async function deleteRegistration(db: TenantDb, activityId: number, id: number): Promise<void> {
  if (!(await deleteRegistrationRow(db, activityId, id))) throw errors.notFound(`Registration ${id} does not exist`);
}
