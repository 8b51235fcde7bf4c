import path from 'node:path';
import {
  connect,
  dropDatabase,
  loadMigrations,
  migrate,
  type MigrateResult,
  type MysqlTarget,
  type RowDataPacket,
} from '@kg/shared';

/** templates-db/migrations, from both src/ and dist/. */
export const TEMPLATE_MIGRATIONS_DIR = path.resolve(__dirname, '../migrations');

/** Highest migration version in templates-db: the schema version a fresh tenant gets. */
export function latestTemplateVersion(): number {
  const all = loadMigrations(TEMPLATE_MIGRATIONS_DIR);
  return all.length ? all[all.length - 1]!.version : 0;
}

export interface BuildTemplateOptions {
  /** Drop the database first and build it from scratch. */
  rebuild?: boolean;
  upTo?: number;
}

/**
 * Builds (or brings up to date) the template database from templates-db/migrations: schema,
 * reference data and the `schema_migrations` record. With `rebuild`, drops it first; the result
 * is identical on every run.
 */
export async function buildTemplate(
  target: MysqlTarget,
  databaseName: string,
  opts: BuildTemplateOptions = {},
): Promise<MigrateResult> {
  if (opts.rebuild) {
    const conn = await connect(target);
    try {
      await dropDatabase(conn, databaseName);
    } finally {
      await conn.end();
    }
  }
  return migrate(target, databaseName, TEMPLATE_MIGRATIONS_DIR, { upTo: opts.upTo });
}

/** Base tables of a database, sorted. */
export async function listTables(target: MysqlTarget, databaseName: string): Promise<string[]> {
  const conn = await connect(target);
  try {
    const [rows] = await conn.query<RowDataPacket[]>(
      "SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
      [databaseName],
    );
    return rows.map((r) => String(r.t));
  } finally {
    await conn.end();
  }
}

export * from './clone';
