import { assertDbName, type ResultSetHeader, type RowDataPacket } from '@kg/shared';
import { rawQuery, type ConnectionBudget, type DbServer, type TenantIdentity } from './connection-budget';

export type Row = RowDataPacket;
export type Params = unknown[];

/** The statement runner shared by TenantDb and a transaction on it. */
export interface TenantQueries {
  readonly databaseName: string;
  /** "`rent001`.`classes`": the only way repositories name a table. */
  t(table: string): string;
  rows<T extends Row = Row>(sql: string, params?: Params): Promise<T[]>;
  exec(sql: string, params?: Params): Promise<ResultSetHeader>;
}

const TABLE_NAME = /^[a-z][a-z0-9_]{0,63}$/;
// Every "`x`." qualifier in a statement; each must be this tenant's database.
const QUALIFIER = /`([^`]+)`\s*\.\s*`/g;
// Statements that change session state, also behind leading comments: under SET ROLE a session
// outlives the tenant it served, so none may be left behind (docs/request-path.md, Connections).
const FORBIDDEN = /^(\s|\/\*[\s\S]*?\*\/|(--|#)[^\n]*(\n|$))*(USE|SET|CHANGE\s+USER)\b|\bSET\s+(DEFAULT\s+)?ROLE\b|\bSQL_LOG_BIN\b/i;

function guard(databaseName: string, sql: string): void {
  // One statement per text: placeholders carry every value, so an app text never needs a `;`.
  if (sql.includes(';')) throw new Error('Several statements in one text are not allowed on shared tenant connections');
  if (FORBIDDEN.test(sql)) throw new Error('Session-changing statements are not allowed on shared tenant connections');
  for (const m of sql.matchAll(QUALIFIER)) {
    if (m[1] !== databaseName) throw new Error(`Statement for ${databaseName} references another database (${m[1]})`);
  }
}

/**
 * The guard with a memory: statement texts use placeholders, so a tenant runs a bounded set of
 * distinct texts and each is checked once (the regular expressions cost more than the Set lookup).
 */
class StatementGuard {
  private readonly checked = new Set<string>();
  constructor(private readonly databaseName: string) {}

  check(sql: string): void {
    if (this.checked.has(sql)) return;
    guard(this.databaseName, sql);
    if (this.checked.size >= 512) this.checked.clear();
    this.checked.add(sql);
  }
}

class Runner implements TenantQueries {
  private readonly prefix: string;
  constructor(
    readonly databaseName: string,
    private readonly run: (sql: string, params: Params) => Promise<unknown>,
    private readonly guard: StatementGuard,
  ) {
    this.prefix = '`' + databaseName + '`.`';
  }

  t(table: string): string {
    if (!TABLE_NAME.test(table)) throw new Error(`Unsafe table name: ${JSON.stringify(table)}`);
    return this.prefix + table + '`';
  }

  rows<T extends Row = Row>(sql: string, params: Params = []): Promise<T[]> {
    return this.checked(sql, params) as Promise<T[]>;
  }

  exec(sql: string, params: Params = []): Promise<ResultSetHeader> {
    return this.checked(sql, params) as Promise<ResultSetHeader>;
  }

  /** The guard, then the statement; a refusal is a rejected promise like any statement error. */
  private checked(sql: string, params: Params): Promise<unknown> {
    try {
      this.guard.check(sql);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.run(sql, params);
  }
}

/**
 * One tenant's database for the duration of a request. It holds the validated database name and
 * the server it lives on, and nothing else: every statement names its tables through `t()`, which
 * qualifies them with this database, and a guard refuses statements that mention another database
 * or change session state. Connections come from the shared ConnectionBudget and carry no default
 * database, so an unqualified table name fails ("No database selected") instead of reaching some
 * other tenant. Statements use the text protocol (`query`), not server-side prepared statements:
 * with qualified names each tenant's statement is distinct text, and per-connection prepared
 * statement caches would grow with the number of tenants (docs/request-path.md, Connections).
 */
export class TenantDb implements TenantQueries {
  private readonly runner: Runner;
  private readonly guard: StatementGuard;

  constructor(
    readonly tenantCode: string,
    readonly databaseName: string,
    readonly server: DbServer,
    private readonly budget: ConnectionBudget,
    /**
     * The tenant database's own MySQL account or role: every statement runs as it, so MySQL
     * refuses what the guard misses (docs/privileges.md). Without one, the server's account.
     */
    private readonly as?: TenantIdentity,
  ) {
    assertDbName(databaseName);
    this.guard = new StatementGuard(databaseName);
    this.runner = new Runner(databaseName, (sql, params) => budget.query(server, sql, params, as), this.guard);
  }

  t(table: string): string {
    return this.runner.t(table);
  }

  rows<T extends Row = Row>(sql: string, params?: Params): Promise<T[]> {
    return this.runner.rows<T>(sql, params);
  }

  exec(sql: string, params?: Params): Promise<ResultSetHeader> {
    return this.runner.exec(sql, params);
  }

  /** Runs `fn` in a transaction on one connection; rolls back on error. */
  transaction<T>(fn: (tx: TenantQueries) => Promise<T>): Promise<T> {
    return this.budget.run(this.server, async (conn) => {
      const tx = new Runner(this.databaseName, (sql, params) => rawQuery(conn, sql, params), this.guard);
      await conn.beginTransaction();
      try {
        const out = await fn(tx);
        await conn.commit();
        return out;
      } catch (err) {
        try {
          await conn.rollback();
        } catch {
          (err as { fatal?: boolean }).fatal = true; // a connection that cannot roll back is not reused
        }
        throw err;
      }
    }, this.as);
  }
}
