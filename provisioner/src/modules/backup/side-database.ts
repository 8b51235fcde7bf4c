import { assertDbName, createDatabase, quoteId, type Connection, type RowDataPacket } from '@kg/shared';
import type { RestoreJournal } from './restore.journal';

/**
 * The side databases of a restore and the swap between them and the tenant database
 * (docs/operations.md, Restore).
 */

/** The RENAME TABLE failed: being atomic, it moved nothing (a trigger added meanwhile, a lock wait timeout). */
export class SwapRefused extends Error {}

/** `%`/`_`-escaped for LIKE. */
const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * The side databases of a restore of `databaseName`: `<db>__restore_<stamp>` (the backup is
 * loaded there) and `<db>__prerestore_<stamp>` (the tables that were current go there). Tenant
 * databases are `<prefix><digits>` and every listing of tenant databases (backups, drift, rollout,
 * reconciler) reads them from `tenants`, so these are never taken for one.
 */
export function sideDatabaseNames(databaseName: string, stamp: string): { sideDatabase: string; oldDatabase: string } | null {
  try {
    return { sideDatabase: assertDbName(`${databaseName}__restore_${stamp}`), oldDatabase: assertDbName(`${databaseName}__prerestore_${stamp}`) };
  } catch {
    return null; // longer than a database name may be
  }
}

/** Side databases left by earlier restores of `databaseName` whose journal is gone (a clean-up that failed, a journal removed by hand). */
export async function leftoverSideDatabases(conn: Connection, databaseName: string): Promise<string[]> {
  const [rows] = await conn.query<RowDataPacket[]>(
    'SELECT SCHEMA_NAME AS s FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ? OR SCHEMA_NAME LIKE ?',
    [`${likeEscape(databaseName)}\\_\\_restore\\_%`, `${likeEscape(databaseName)}\\_\\_prerestore\\_%`],
  );
  return rows.map((r) => String(r.s));
}

async function baseTables(conn: Connection, databaseName: string): Promise<string[]> {
  const [rows] = await conn.query<RowDataPacket[]>(
    "SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
    [databaseName],
  );
  return rows.map((r) => String(r.t));
}

/** Views, triggers, routines and events of a live database: RENAME TABLE cannot move them (or tables with triggers) between databases. */
export async function nonTableObjects(conn: Connection, databaseName: string): Promise<string[]> {
  const [rows] = await conn.query<RowDataPacket[]>(
    `SELECT 'view' AS k FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'VIEW'
     UNION SELECT 'trigger' FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?
     UNION SELECT LOWER(ROUTINE_TYPE) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?
     UNION SELECT 'event' FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ?`,
    [databaseName, databaseName, databaseName, databaseName],
  );
  return rows.map((r) => String(r.k));
}

/**
 * The swap: one RENAME TABLE moves every current table of the tenant database to the old side
 * database and every table of the side database in (tables only in the current database go to the
 * old side, tables only in the backup come in). RENAME TABLE is atomic, so after a kill either
 * nothing moved or everything did; a run that finds the side database empty and the tenant
 * database holding exactly the backup's tables knows the swap happened. Database-level grants name
 * the database, which stays, so the tenant's account and role keep their privileges.
 */
export async function swapIn(conn: Connection, journal: Pick<RestoreJournal, 'databaseName' | 'sideDatabase' | 'oldDatabase' | 'tables'>, step: (m: string) => void): Promise<void> {
  const { databaseName, sideDatabase, oldDatabase } = journal;
  const expected = Object.keys(journal.tables).sort();
  const side = await baseTables(conn, sideDatabase);
  const current = await baseTables(conn, databaseName);
  if (side.length === 0 && current.length === expected.length && current.every((t, i) => t === expected[i])) {
    step('the swap was done before the interruption');
    return;
  }
  await createDatabase(conn, databaseName); // gone before the restore: the restore brings it back
  await createDatabase(conn, oldDatabase);
  const q = (db: string, t: string) => `${quoteId(db)}.\`${t.replace(/`/g, '``')}\``;
  // Current tables out first: foreign-key constraint names are unique per database.
  const renames = [...current.map((t) => `${q(databaseName, t)} TO ${q(oldDatabase, t)}`), ...side.map((t) => `${q(sideDatabase, t)} TO ${q(databaseName, t)}`)];
  step(`swapping ${side.length} restored tables in (${current.length} current tables to ${oldDatabase})`);
  if (renames.length) {
    try {
      await conn.query(`RENAME TABLE ${renames.join(', ')}`);
    } catch (err) {
      throw new SwapRefused((err as Error).message);
    }
  }
  step('swapped');
}
