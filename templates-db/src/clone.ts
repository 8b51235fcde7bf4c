import {
  connect,
  createDatabase,
  quoteId,
  type Connection,
  type MysqlTarget,
  type RowDataPacket,
} from '@kg/shared';

export interface TemplateSnapshot {
  /** CREATE TABLE statements in an order that satisfies foreign keys. */
  tables: Array<{ name: string; ddl: string; hasRows: boolean }>;
  /** Highest applied template migration version. */
  version: number;
}

/**
 * Reads the template's DDL once (SHOW CREATE TABLE), ordered so referenced tables come first.
 * Callers may cache the snapshot between clones of the same template version.
 */
export async function snapshotTemplate(conn: Connection, templateDb: string): Promise<TemplateSnapshot> {
  const [tableRows] = await conn.query<RowDataPacket[]>(
    "SELECT TABLE_NAME AS name, TABLE_ROWS AS approx FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
    [templateDb],
  );
  if (tableRows.length === 0) throw new Error(`Template database ${templateDb} is empty or missing; build it first`);
  const [fkRows] = await conn.query<RowDataPacket[]>(
    'SELECT TABLE_NAME AS t, REFERENCED_TABLE_NAME AS r FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ?',
    [templateDb],
  );
  const deps = new Map<string, Set<string>>();
  for (const r of tableRows) deps.set(String(r.name), new Set());
  for (const fk of fkRows) if (fk.t !== fk.r) deps.get(String(fk.t))?.add(String(fk.r));
  const ordered: string[] = [];
  const seen = new Set<string>();
  const visit = (t: string, stack: Set<string>) => {
    if (seen.has(t)) return;
    if (stack.has(t)) return; // cycle: FK checks are off during the clone anyway
    stack.add(t);
    for (const d of deps.get(t) ?? []) visit(d, stack);
    stack.delete(t);
    seen.add(t);
    ordered.push(t);
  };
  for (const t of deps.keys()) visit(t, new Set());

  const tables: TemplateSnapshot['tables'] = [];
  for (const name of ordered) {
    const [[create]] = await conn.query<RowDataPacket[]>(`SHOW CREATE TABLE ${quoteId(templateDb)}.${quoteId(name)}`);
    const ddl = String(create!['Create Table']).replace(/ AUTO_INCREMENT=\d+/, '');
    const [[count]] = await conn.query<RowDataPacket[]>(
      `SELECT EXISTS(SELECT 1 FROM ${quoteId(templateDb)}.${quoteId(name)}) AS has_rows`,
    );
    tables.push({ name, ddl, hasRows: Number(count!.has_rows) === 1 });
  }
  const [[v]] = await conn.query<RowDataPacket[]>(
    `SELECT COALESCE(MAX(version), 0) AS v FROM ${quoteId(templateDb)}.schema_migrations`,
  );
  return { tables, version: Number(v!.v) };
}

/**
 * Clones the template into `targetDb`: every table with its keys and foreign keys, then the rows
 * the template holds (reference data: roles, permissions, system config, schema_migrations).
 * Idempotent and resumable: existing tables are kept, rows are copied with INSERT IGNORE, so a
 * clone interrupted at any point completes when run again and never duplicates rows.
 */
export async function cloneTemplate(
  target: MysqlTarget,
  templateDb: string,
  targetDb: string,
  snapshot?: TemplateSnapshot,
): Promise<{ tables: number; version: number }> {
  const conn = await connect(target);
  try {
    const snap = snapshot ?? (await snapshotTemplate(conn, templateDb));
    await createDatabase(conn, targetDb);
    await conn.query(`USE ${quoteId(targetDb)}`);
    await conn.query('SET FOREIGN_KEY_CHECKS = 0');
    for (const t of snap.tables) {
      await conn.query(t.ddl.replace(/^CREATE TABLE /, 'CREATE TABLE IF NOT EXISTS '));
    }
    for (const t of snap.tables) {
      if (!t.hasRows) continue;
      await conn.query(
        `INSERT IGNORE INTO ${quoteId(targetDb)}.${quoteId(t.name)} SELECT * FROM ${quoteId(templateDb)}.${quoteId(t.name)}`,
      );
    }
    await conn.query('SET FOREIGN_KEY_CHECKS = 1');
    return { tables: snap.tables.length, version: snap.version };
  } finally {
    await conn.end();
  }
}
