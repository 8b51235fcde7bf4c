import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { connect, quoteId, type MysqlTarget, type RowDataPacket } from '@kg/shared';
import type { DumpContents } from './dump-counter';

/** Loading a backup file into a server and checking the result: shared by restore and move (docs/operations.md). */

/** Pipes a gzip dump into the mysql client against `target`. */
export async function loadDump(bin: string, target: MysqlTarget, filePath: string): Promise<void> {
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
    pipeline(fs.createReadStream(filePath), zlib.createGunzip(), child.stdin),
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
