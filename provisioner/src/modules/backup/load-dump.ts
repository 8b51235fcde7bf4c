import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { connect, quoteId, type MysqlTarget, type RowDataPacket } from '@kg/shared';
import type { DumpContents } from './dump-counter';

/** Loading a backup file into a server and checking the result: shared by restore and move (docs/operations.md). */

/** Longest line start that decides whether a line names a database (`CREATE DATABASE ` is 16 bytes). */
const HEAD = 16;
const NEWLINE = 0x0a;
/** A line that selects or creates a database, in any spelling the server or the client accepts. */
const NAMES_DATABASE = /^\s*(?:USE\b|CREATE\s+(?:DATABASE|SCHEMA)\b)/i;

/**
 * Sends a dump of database `from` into database `to` (docs/operations.md, Restore: the side
 * database): the dump's `CREATE DATABASE` and `USE` lines are rewritten to name `to`, and a dump
 * line of either kind that names any other database stops the load with an error. Everything else
 * passes through byte for byte; only the first bytes of each line are looked at, so the long
 * INSERT lines are never held.
 */
export class IntoDatabase extends Transform {
  private head: Buffer[] = [];
  private headLength = 0;
  /** 'start': collecting a line's first bytes; 'keep': holding a whole CREATE DATABASE / USE line; 'pass': the rest of an ordinary line. */
  private mode: 'start' | 'keep' | 'pass' = 'start';

  constructor(
    private readonly from: string,
    private readonly to: string,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    try {
      let i = 0;
      while (i < chunk.length) {
        const nl = chunk.indexOf(NEWLINE, i);
        const lineEnd = nl === -1 ? chunk.length : nl + 1;
        if (this.mode === 'pass') {
          this.push(chunk.subarray(i, lineEnd));
          if (nl !== -1) this.mode = 'start';
          i = lineEnd;
          continue;
        }
        // 'start' or 'keep': gather bytes of this line.
        const take = this.mode === 'keep' ? lineEnd : Math.min(lineEnd, i + (HEAD - this.headLength));
        this.head.push(chunk.subarray(i, take));
        this.headLength += take - i;
        i = take;
        const complete = take === nl + 1 && nl !== -1;
        if (complete) {
          this.push(this.rewrite(Buffer.concat(this.head)));
          this.reset('start');
        } else if (this.mode === 'start' && this.headLength >= HEAD) {
          const start = Buffer.concat(this.head).toString('latin1');
          if (NAMES_DATABASE.test(start)) this.mode = 'keep';
          else {
            this.push(Buffer.concat(this.head));
            this.reset('pass');
          }
        }
        if (this.mode === 'keep' && this.headLength > 64 * 1024) throw new Error('A CREATE DATABASE or USE line of the dump is too long');
      }
      cb();
    } catch (err) {
      cb(err as Error);
    }
  }

  override _flush(cb: (err?: Error | null) => void): void {
    try {
      if (this.headLength) this.push(this.rewrite(Buffer.concat(this.head)));
      cb();
    } catch (err) {
      cb(err as Error);
    }
  }

  private reset(mode: 'start' | 'pass'): void {
    this.head = [];
    this.headLength = 0;
    this.mode = mode;
  }

  /** One whole line (or a short last line): rewritten when it names the database, refused when it names another. */
  private rewrite(line: Buffer): Buffer {
    const text = line.toString('utf8');
    const used = /^USE `((?:[^`]|``)+)`\s*;?\s*$/.exec(text);
    const created = /^CREATE DATABASE (?:\/\*!\d+ IF NOT EXISTS\s*\*\/ |IF NOT EXISTS )?`((?:[^`]|``)+)`/i.exec(text);
    const named = used?.[1] ?? created?.[1];
    if (named === undefined) {
      if (NAMES_DATABASE.test(text)) throw new Error(`The dump has a line this restore does not read: ${text.slice(0, 200)}`);
      return line;
    }
    if (named.replace(/``/g, '`') !== this.from) throw new Error(`The dump names database ${named}, not ${this.from}`);
    const start = text.indexOf('`');
    return Buffer.from(`${text.slice(0, start)}\`${this.to}\`${text.slice(start + named.length + 2)}`, 'utf8');
  }
}

/**
 * Pipes a gzip dump into the mysql client against `target`. With `into`, the dump of database
 * `into.from` is loaded into database `into.to` instead (IntoDatabase).
 */
export async function loadDump(bin: string, target: MysqlTarget, filePath: string, into?: { from: string; to: string }): Promise<void> {
  const child = spawn(bin, ['-h', target.host, '-P', String(target.port), '-u', target.user, '--default-character-set=utf8mb4', '--binary-mode'], {
    // The password goes through the environment, never the command line (visible in ps).
    env: { ...process.env, MYSQL_PWD: target.password },
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? -1));
  });
  await Promise.all([
    into
      ? pipeline(fs.createReadStream(filePath), zlib.createGunzip(), new IntoDatabase(into.from, into.to), child.stdin)
      : pipeline(fs.createReadStream(filePath), zlib.createGunzip(), child.stdin),
    exited.then((code) => {
      if (code !== 0) throw new Error(`mysql exited with ${code}: ${stderr.trim().slice(0, 2000)}`);
    }),
  ]);
}

/**
 * Table and row counts of a live database, compared with what the dump held. Like the dump, it
 * reads the restored database's catalogue and counts directly: this is the verification of the
 * restore itself, not data access (docs/provisioning.md, Layers).
 */
export async function verifyCounts(target: MysqlTarget, databaseName: string, expected: DumpContents['tables']): Promise<string[]> {
  const conn = await connect(target);
  try {
    const [tables] = await conn.query<RowDataPacket[]>(
      "SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE'",
      [databaseName],
    );
    const live = new Set(tables.map((r) => String(r.t)));
    const problems: string[] = [];
    for (const t of live) if (!(t in expected)) problems.push(`${t}: not in the backup`);
    for (const [table, rows] of Object.entries(expected)) {
      if (!live.has(table)) {
        problems.push(`${table}: missing`);
        continue;
      }
      const [[row]] = await conn.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${quoteId(databaseName)}.${quoteId(table)}`);
      if (Number(row!.n) !== rows) problems.push(`${table}: ${row!.n} rows, the backup has ${rows}`);
    }
    return problems;
  } finally {
    await conn.end();
  }
}
