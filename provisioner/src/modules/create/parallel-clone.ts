import { connect, createDatabase, quoteId, type Connection, type MysqlTarget } from '@kg/shared';
import type { TemplateSnapshot } from '@kg/templates-db';

/**
 * Clones a template snapshot into `targetDb` like templates-db's cloneTemplate (every table with
 * its keys and foreign keys, then the reference rows; idempotent and resumable: CREATE TABLE IF
 * NOT EXISTS and INSERT IGNORE), but faster, because the clone is most of a tenant's
 * provisioning time (SPEC §13):
 * - the CREATE TABLE statements run over `connections` connections at once (foreign key checks
 *   off, so the order between tables does not matter); measured with the 70-table template on
 *   the 2-core machine: about 0.6-0.8x the time of replaying them over one connection;
 * - the reference rows are copied in one transaction (one commit instead of one per table).
 * `tables` limits the clone to the first N tables of the snapshot (tests interrupt a clone half way).
 */
export async function parallelClone(
  target: MysqlTarget,
  templateDb: string,
  targetDb: string,
  snapshot: TemplateSnapshot,
  opts: { connections: number; tables?: number },
): Promise<{ tables: number; version: number }> {
  const tables = snapshot.tables.slice(0, opts.tables ?? snapshot.tables.length);
  const first = await connect(target);
  const conns: Connection[] = [first];
  try {
    await createDatabase(first, targetDb);
    await first.query(`USE ${quoteId(targetDb)}`);
    const extra = Math.max(0, Math.min(opts.connections, tables.length) - 1);
    conns.push(...(await Promise.all(Array.from({ length: extra }, () => connect(target, targetDb)))));
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
        await first.query(`INSERT IGNORE INTO ${quoteId(targetDb)}.${quoteId(t.name)} SELECT * FROM ${quoteId(templateDb)}.${quoteId(t.name)}`);
      }
      await first.commit();
    }
    return { tables: tables.length, version: snapshot.version };
  } finally {
    await Promise.all(conns.map((c) => c.end().catch(() => c.destroy())));
  }
}
