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

export interface CloneOptions {
  /**
   * Connections the CREATE TABLE statements run over at once (default 1). Foreign-key checks are
   * off during the clone, so the order between tables does not matter (docs/decisions.md, The
   * template clone: 3 connections take 0.6-0.8x the time of one for the 70-table template).
   */
  connections?: number;
  /** Clones only the first N tables of the snapshot: tests stop a clone half way to prove it resumes. */
  tables?: number;
}

/**
 * The one template clone (docs/provisioning.md, The clone): every table of the template with its
 * keys and foreign keys into `databaseName`, then the rows the template holds (reference data:
 * roles, permissions, system config, schema_migrations), copied in one transaction.
 * Idempotent and resumable: CREATE TABLE IF NOT EXISTS and INSERT IGNORE, so a clone interrupted
 * at any point completes when run again and never duplicates rows. Without `snapshot` the
 * template is read first; callers cloning many databases pass one snapshot they keep.
 */
export async function cloneTemplate(
  target: MysqlTarget,
  templateDb: string,
  databaseName: string,
  snapshot?: TemplateSnapshot,
  opts: CloneOptions = {},
): Promise<{ tables: number; version: number }> {
  const first = await connect(target);
  const conns: Connection[] = [first];
  try {
    const snap = snapshot ?? (await snapshotTemplate(first, templateDb));
    const tables = snap.tables.slice(0, opts.tables ?? snap.tables.length);
    await createDatabase(first, databaseName);
    await first.query(`USE ${quoteId(databaseName)}`);
    const extra = Math.max(0, Math.min(opts.connections ?? 1, tables.length) - 1);
    conns.push(...(await Promise.all(Array.from({ length: extra }, () => connect(target, databaseName)))));
    await Promise.all(
      conns.map(async (conn, k) => {
        await conn.query('SET FOREIGN_KEY_CHECKS = 0');
        for (let i = k; i < tables.length; i += conns.length) {
          await conn.query(tables[i]!.ddl.replace(/^CREATE TABLE /, 'CREATE TABLE IF NOT EXISTS '));
        }
      }),
    );
    const withRows = tables.filter((t) => t.hasRows);
    if (withRows.length) {
      await first.beginTransaction();
      for (const t of withRows) {
        await first.query(
          `INSERT IGNORE INTO ${quoteId(databaseName)}.${quoteId(t.name)} SELECT * FROM ${quoteId(templateDb)}.${quoteId(t.name)}`,
        );
      }
      await first.commit();
    }
    return { tables: tables.length, version: snap.version };
  } finally {
    await Promise.all(conns.map((c) => c.end().catch(() => c.destroy())));
  }
}
