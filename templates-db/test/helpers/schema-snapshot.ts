import crypto from 'node:crypto';
import { connect, quoteId, type Connection, type MysqlTarget, type RowDataPacket } from '@kg/shared';

/**
 * Everything that makes two tenant databases "the same": columns, indexes, foreign keys, check
 * constraints (as sorted one-line descriptions, so a failing deepEqual shows the difference) and
 * a checksum of the rows each non-empty table holds. Timestamps set at insert time are left out
 * of the checksum, since they differ between two builds of the same migrations.
 */
export interface SchemaSnapshot {
  tables: string[];
  columns: string[];
  indexes: string[];
  foreignKeys: string[];
  checks: string[];
  /** table -> "<row count>:<sha256 of the rows>", for tables that hold rows. */
  rows: Record<string, string>;
}

const VOLATILE_COLUMNS = new Set(['created_at', 'updated_at', 'applied_at']);

export async function schemaSnapshot(target: MysqlTarget, database: string): Promise<SchemaSnapshot> {
  const conn = await connect(target);
  try {
    const q = async (sql: string) => (await conn.query<RowDataPacket[]>(sql, [database]))[0];
    const tables = (
      await q("SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE'")
    ).map((r) => String(r.t));

    const columns = (
      await q(
        `SELECT TABLE_NAME AS t, COLUMN_NAME AS c, ORDINAL_POSITION AS pos, COLUMN_TYPE AS type, IS_NULLABLE AS nullable,
                COLUMN_DEFAULT AS def, EXTRA AS extra, COLLATION_NAME AS coll
           FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ?`,
      )
    ).map((r) => `${r.t}.${r.c} #${r.pos} ${r.type} ${r.nullable === 'YES' ? 'NULL' : 'NOT NULL'} default=${r.def} ${r.extra} ${r.coll}`);

    const indexParts = await q(
      `SELECT TABLE_NAME AS t, INDEX_NAME AS i, NON_UNIQUE AS nu, SEQ_IN_INDEX AS seq, COLUMN_NAME AS c
         FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`,
    );
    const indexes = group(indexParts, (r) => `${r.t}.${r.i} ${Number(r.nu) ? 'KEY' : 'UNIQUE'}`, (r) => String(r.c));

    // Two plain reads joined here: a JOIN of information_schema views is slow on a busy server.
    const rules = new Map(
      (
        await q(
          'SELECT TABLE_NAME AS t, CONSTRAINT_NAME AS name, DELETE_RULE AS del, UPDATE_RULE AS upd FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ?',
        )
      ).map((r) => [`${r.t}.${r.name}`, `ON DELETE ${r.del} ON UPDATE ${r.upd}`]),
    );
    const fkParts = await q(
      `SELECT TABLE_NAME AS t, CONSTRAINT_NAME AS name, COLUMN_NAME AS c, REFERENCED_TABLE_NAME AS rt, REFERENCED_COLUMN_NAME AS rc
         FROM information_schema.KEY_COLUMN_USAGE
        WHERE TABLE_SCHEMA = ? AND REFERENCED_TABLE_NAME IS NOT NULL
        ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION`,
    );
    const foreignKeys = group(
      fkParts,
      (r) => `${r.t}.${r.name} -> ${r.rt} ${rules.get(`${r.t}.${r.name}`)}`,
      (r) => `${r.c}=${r.rc}`,
    );

    const checks = (
      await q('SELECT CONSTRAINT_NAME AS name, CHECK_CLAUSE AS clause FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ?')
    ).map((r) => `${r.name}: ${r.clause}`);

    const primaryKeys = new Map<string, string[]>();
    for (const r of indexParts) {
      if (r.i !== 'PRIMARY') continue;
      if (!primaryKeys.has(String(r.t))) primaryKeys.set(String(r.t), []);
      primaryKeys.get(String(r.t))!.push(String(r.c));
    }
    const rows: Record<string, string> = {};
    for (const t of tables) {
      const digest = await rowDigest(conn, database, t, primaryKeys.get(t) ?? []);
      if (digest) rows[t] = digest;
    }
    return { tables: tables.sort(), columns: columns.sort(), indexes, foreignKeys, checks: checks.sort(), rows };
  } finally {
    await conn.end();
  }
}

/** "<count>:<sha256>" of a table's rows in primary-key order, or null when it is empty. */
async function rowDigest(conn: Connection, database: string, table: string, primaryKey: string[]): Promise<string | null> {
  const order = primaryKey.length ? primaryKey.map(quoteId).join(', ') : '1';
  const [data] = await conn.query<RowDataPacket[]>(`SELECT * FROM ${quoteId(database)}.${quoteId(table)} ORDER BY ${order}`);
  if (data.length === 0) return null;
  const stable = data.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !VOLATILE_COLUMNS.has(k))));
  return `${data.length}:${crypto.createHash('sha256').update(JSON.stringify(stable)).digest('hex')}`;
}

function group(rows: RowDataPacket[], key: (r: RowDataPacket) => string, part: (r: RowDataPacket) => string): string[] {
  const out = new Map<string, string[]>();
  for (const r of rows) {
    const k = key(r);
    if (!out.has(k)) out.set(k, []);
    out.get(k)!.push(part(r));
  }
  return [...out].map(([k, parts]) => `${k} (${parts.join(', ')})`).sort();
}
