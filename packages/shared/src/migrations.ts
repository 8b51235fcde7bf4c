import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { connect, createDatabase, type MysqlTarget } from './mysql';

export interface Migration {
  version: number;
  name: string;
  file: string;
  sql: string;
  checksum: string;
  /**
   * Earlier checksums this file declares as still valid (`-- valid-checksum: <sha256>` lines):
   * written when an applied file's comments are edited, so databases that recorded the old
   * text keep migrating. Statements must never change this way; add a new migration instead.
   */
  validChecksums: string[];
}

export interface AppliedMigration {
  version: number;
  name: string;
  checksum: string;
  applied_at: Date;
}

const FILE_RE = /^(\d{3,})_([a-z0-9_\-]+)\.sql$/i;
const VALID_CHECKSUM_RE = /^--\s*valid-checksum:\s*([0-9a-f]{64})\s*$/gim;

/** Reads `NNN_name.sql` files of a folder, ordered by version. */
export function loadMigrations(dir: string): Migration[] {
  const files = fs.readdirSync(dir).filter((f) => FILE_RE.test(f));
  const migrations = files.map((file) => {
    const m = FILE_RE.exec(file)!;
    const sql = fs.readFileSync(path.join(dir, file), 'utf8');
    return {
      version: Number(m[1]),
      name: m[2]!,
      file,
      sql,
      checksum: crypto.createHash('sha256').update(sql).digest('hex'),
      validChecksums: [...sql.matchAll(VALID_CHECKSUM_RE)].map((v) => v[1]!.toLowerCase()),
    };
  });
  migrations.sort((a, b) => a.version - b.version);
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]!.version === migrations[i - 1]!.version) {
      throw new Error(`Duplicate migration version ${migrations[i]!.version} in ${dir}`);
    }
  }
  return migrations;
}

export interface MigrateResult {
  applied: number[];
  skipped: number[];
}

export interface MigrateOptions {
  /** Apply only versions up to this one. */
  upTo?: number;
  /** Create the database when missing. */
  createDatabase?: boolean;
  /** Called after each migration is applied. */
  onApplied?: (m: Migration) => void;
}

const LOCK_TIMEOUT_S = 60;

/**
 * Applies pending migrations of `dir` to `databaseName`, recording each in `schema_migrations`.
 * Re-runnable: applied versions are skipped; an applied file whose content changed is an error
 * (unless the recorded checksum is one the file declares valid, see Migration.validChecksums).
 * A named lock makes concurrent runners (several replicas starting at once) take turns.
 */
export async function migrate(
  target: MysqlTarget,
  databaseName: string,
  dir: string,
  opts: MigrateOptions = {},
): Promise<MigrateResult> {
  const migrations = loadMigrations(dir).filter((m) => opts.upTo === undefined || m.version <= opts.upTo);
  if (opts.createDatabase !== false) {
    const admin = await connect(target);
    try {
      await createDatabase(admin, databaseName);
    } finally {
      await admin.end();
    }
  }
  const conn = await connect(target, databaseName, { multipleStatements: true });
  const lockName = `migrate:${databaseName}`;
  try {
    const [lockRows] = await conn.query<RowDataPacket[]>('SELECT GET_LOCK(?, ?) AS got', [lockName, LOCK_TIMEOUT_S]);
    if (lockRows[0]?.got !== 1) throw new Error(`Could not take migration lock for ${databaseName}`);
    await conn.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version INT NOT NULL PRIMARY KEY,
         name VARCHAR(200) NOT NULL,
         checksum CHAR(64) NOT NULL,
         applied_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
       ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
    );
    const [rows] = await conn.query<RowDataPacket[]>('SELECT version, name, checksum FROM schema_migrations');
    const applied = new Map(rows.map((r) => [Number(r.version), r as unknown as AppliedMigration]));
    const result: MigrateResult = { applied: [], skipped: [] };
    for (const m of migrations) {
      const done = applied.get(m.version);
      if (done) {
        if (done.checksum !== m.checksum && !m.validChecksums.includes(done.checksum)) {
          throw new Error(
            `Migration ${m.file} was changed after it was applied to ${databaseName}; add a new migration instead`,
          );
        }
        result.skipped.push(m.version);
        continue;
      }
      try {
        await conn.query(m.sql);
      } catch (err) {
        throw new Error(`Migration ${m.file} failed on ${databaseName}: ${(err as Error).message}`, { cause: err });
      }
      await conn.query('INSERT INTO schema_migrations (version, name, checksum) VALUES (?, ?, ?)', [
        m.version,
        m.name,
        m.checksum,
      ]);
      result.applied.push(m.version);
      opts.onApplied?.(m);
    }
    return result;
  } finally {
    await conn.query('SELECT RELEASE_LOCK(?)', [lockName]).catch(() => undefined);
    await conn.end();
  }
}

/** Versions applied to a database, ascending; empty when the table does not exist. */
export async function appliedVersions(target: MysqlTarget, databaseName: string): Promise<number[]> {
  const conn = await connect(target, databaseName);
  try {
    const [rows] = await conn.query<RowDataPacket[]>('SELECT version FROM schema_migrations ORDER BY version');
    return rows.map((r) => Number(r.version));
  } catch (err) {
    if ((err as { code?: string }).code === 'ER_NO_SUCH_TABLE') return [];
    throw err;
  } finally {
    await conn.end();
  }
}
