import { Transform } from 'node:stream';

const CREATE_TABLE_RE = /^CREATE TABLE (?:IF NOT EXISTS )?`((?:[^`]|``)+)`/;
const USE_RE = /^USE `((?:[^`]|``)+)`/;
const INSERT_RE = /^INSERT INTO `((?:[^`]|``)+)` VALUES\s*$/;
/**
 * A statement that creates something other than a table: mysqldump writes views, triggers and
 * routines as `CREATE ... VIEW`, `/*!50003 CREATE*\/ ... /*!50003 TRIGGER`, and so on, the kind
 * on the statement's first line.
 */
const OBJECT_RE = /^(?:\/\*!\d+\s*)?CREATE\b(?!\s+(?:DATABASE|TABLE)\b).*?\b(VIEW|TRIGGER|PROCEDURE|FUNCTION|EVENT)\b/i;

/** What a SQL dump holds: its databases, and every table with its number of rows. */
export interface DumpContents {
  databases: string[];
  tables: Record<string, number>;
  /** Kinds of objects other than tables it creates (view, trigger, procedure, function, event), each once. */
  objects: string[];
}

/**
 * Counts the tables and rows of a SQL dump as it streams through (uncompressed SQL text), for
 * both mysqldump's format (`INSERT INTO t VALUES (..),(..);` on one line) and the in-code dump's
 * (one tuple per line). A row is a top-level "(" of an INSERT's VALUES list outside quoted
 * strings (backslash escapes, as both writers quote). These counts are what a restore is
 * verified against (docs/operations.md, Restore).
 */
export class DumpCounter extends Transform {
  private readonly tables = new Map<string, number>();
  private readonly databases = new Set<string>();
  private readonly objects = new Set<string>();
  private line = '';
  private inValues = false;
  private table = '';
  private depth = 0;
  private inQuote = false;
  private escaped = false;

  override _transform(chunk: Buffer | string, _enc: BufferEncoding, cb: (err?: Error | null, data?: Buffer | string) => void): void {
    this.scan(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
    cb(null, chunk);
  }

  /** Scans more dump text; also usable without streaming. */
  scan(text: string): void {
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (this.inValues) {
        if (this.inQuote) {
          if (this.escaped) this.escaped = false;
          else if (c === '\\') this.escaped = true;
          else if (c === "'") this.inQuote = false;
        } else if (c === "'") this.inQuote = true;
        else if (c === '(') {
          if (this.depth === 0) this.tables.set(this.table, (this.tables.get(this.table) ?? 0) + 1);
          this.depth++;
        } else if (c === ')') this.depth--;
        else if (c === ';' && this.depth === 0) {
          this.inValues = false;
          this.line = '';
        }
        continue;
      }
      if (c === '\n') {
        this.endOfLine();
        this.line = '';
        continue;
      }
      // Only a line's start decides what it is; long lines are not kept.
      if (this.line.length < 512) this.line += c;
      if (c === ' ' && this.line.startsWith('INSERT INTO ')) this.startValues();
    }
  }

  private endOfLine(): void {
    if (this.startValues()) return;
    const created = CREATE_TABLE_RE.exec(this.line);
    if (created) {
      const name = created[1]!.replace(/``/g, '`');
      if (!this.tables.has(name)) this.tables.set(name, 0);
      return;
    }
    const used = USE_RE.exec(this.line);
    if (used) {
      this.databases.add(used[1]!.replace(/``/g, '`'));
      return;
    }
    const other = OBJECT_RE.exec(this.line);
    if (other) this.objects.add(other[1]!.toLowerCase());
  }

  private startValues(): boolean {
    const m = INSERT_RE.exec(this.line);
    if (!m) return false;
    this.table = m[1]!.replace(/``/g, '`');
    this.inValues = true;
    this.depth = 0;
    this.inQuote = false;
    this.escaped = false;
    return true;
  }

  contents(): DumpContents {
    return { databases: [...this.databases], tables: Object.fromEntries(this.tables), objects: [...this.objects].sort() };
  }
}
