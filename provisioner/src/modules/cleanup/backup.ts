import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { connect, quoteId, repoRoot, type MysqlTarget, type Pool, type RowDataPacket } from '@kg/shared';
import { insertRunningBackup, markBackupCompleted, markBackupFailed, type BackupRecord } from './backup.repository';

export interface BackupResult {
  id: number;
  filePath: string;
  size: number;
  sha256: string;
  tool: 'mysqldump' | 'sql';
}

export interface BackupOptions {
  /** BACKUP_DIR; relative paths are taken from the repository root. */
  dir: string;
  /** mysqldump binary, or "none" to write the dump in code. */
  mysqldump: string;
  tenantCode: string | null;
  dbServerId: number | null;
  backupType: BackupRecord['backupType'];
}

/** Hashes what flows through it (the compressed bytes, i.e. the file as written). */
class HashingStream extends Transform {
  readonly hash = crypto.createHash('sha256');
  size = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null, data?: Buffer) => void): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    cb(null, chunk);
  }
}

async function dumpWithMysqldump(bin: string, target: MysqlTarget, databaseName: string, out: Writable): Promise<void> {
  const child = spawn(
    bin,
    [
      '--single-transaction',
      '--quick',
      '--routines',
      '--triggers',
      '--hex-blob',
      '--default-character-set=utf8mb4',
      '-h',
      target.host,
      '-P',
      String(target.port),
      '-u',
      target.user,
      '--databases',
      databaseName,
    ],
    // The password goes through the environment, never the command line (visible in ps).
    { env: { ...process.env, MYSQL_PWD: target.password }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? -1));
  });
  await Promise.all([pipeline(child.stdout, out), exited.then((code) => {
    if (code !== 0) throw new Error(`mysqldump exited with ${code}: ${stderr.trim().slice(0, 2000)}`);
  })]);
}

const ROW_BATCH = 500;

/**
 * A plain SQL dump written in code, for hosts without mysqldump. Like mysqldump, it reads the
 * tenant database directly: this is the dump itself, not data access (docs/provisioning.md,
 * Layers).
 */
async function dumpWithSql(target: MysqlTarget, databaseName: string, out: Writable): Promise<void> {
  const conn = await connect(target, databaseName);
  const write = (s: string) =>
    new Promise<void>((resolve, reject) => (out.write(s, (err) => (err ? reject(err) : resolve()))));
  try {
    await conn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
    await write(`-- SQL dump of ${databaseName}, ${new Date().toISOString()}\nSET NAMES utf8mb4;\nSET FOREIGN_KEY_CHECKS = 0;\n`);
    await write(`CREATE DATABASE IF NOT EXISTS ${quoteId(databaseName)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;\nUSE ${quoteId(databaseName)};\n`);
    const [tables] = await conn.query<RowDataPacket[]>(
      "SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
      [databaseName],
    );
    for (const { t } of tables) {
      const table = quoteId(String(t));
      const [[create]] = await conn.query<RowDataPacket[]>(`SHOW CREATE TABLE ${table}`);
      await write(`\nDROP TABLE IF EXISTS ${table};\n${create!['Create Table']};\n`);
      for (let offset = 0; ; offset += ROW_BATCH) {
        const [rows] = await conn.query<RowDataPacket[]>(`SELECT * FROM ${table} LIMIT ? OFFSET ?`, [ROW_BATCH, offset]);
        if (!rows.length) break;
        const values = rows.map((r) => `(${Object.values(r).map((v) => conn.escape(v)).join(', ')})`).join(',\n  ');
        await write(`INSERT INTO ${table} VALUES\n  ${values};\n`);
        if (rows.length < ROW_BATCH) break;
      }
    }
    await write('\nSET FOREIGN_KEY_CHECKS = 1;\n');
    out.end();
  } finally {
    await conn.query('ROLLBACK').catch(() => undefined);
    await conn.end();
  }
}

function safeStamp(d: Date): string {
  return d.toISOString().replace(/[:.]/g, '-');
}

/**
 * Writes a gzip-compressed dump of `databaseName` to BACKUP_DIR and records it in
 * data_backup_records with its size and sha256: the final backup before a purge
 * (docs/provisioning.md, Purge). mysqldump is used when present, else the dump is written in
 * code. Throws (and records the failure) when the backup cannot be completed: the caller must
 * then not drop the database.
 */
export async function backupDatabase(
  controlDb: Pool,
  target: MysqlTarget,
  databaseName: string,
  opts: BackupOptions,
): Promise<BackupResult> {
  const dir = path.resolve(repoRoot(), opts.dir, opts.tenantCode ?? '_');
  // Owner-only: a backup is a whole tenant database (docs/security.md, Secrets and logs).
  await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 });
  const filePath = path.join(dir, `${databaseName}-${safeStamp(new Date())}.sql.gz`);
  const id = await insertRunningBackup(controlDb, {
    tenantCode: opts.tenantCode,
    databaseName,
    dbServerId: opts.dbServerId,
    backupType: opts.backupType,
    filePath,
  });
  try {
    const tool: BackupResult['tool'] = opts.mysqldump !== 'none' && commandExists(opts.mysqldump) ? 'mysqldump' : 'sql';
    const hashing = await writeDump(filePath, (gz) =>
      tool === 'mysqldump' ? dumpWithMysqldump(opts.mysqldump, target, databaseName, gz) : dumpWithSql(target, databaseName, gz),
    );
    const sha256 = hashing.hash.digest('hex');
    await markBackupCompleted(controlDb, id, hashing.size, sha256);
    return { id, filePath, size: hashing.size, sha256, tool };
  } catch (err) {
    await fs.promises.rm(filePath, { force: true }).catch(() => undefined);
    await markBackupFailed(controlDb, id, (err as Error).message).catch(() => undefined);
    throw err;
  }
}

/** True when `bin` is an executable path or found on PATH. */
export function commandExists(bin: string): boolean {
  const candidates = bin.includes('/')
    ? [bin]
    : (process.env.PATH ?? '').split(path.delimiter).filter(Boolean).map((d) => path.join(d, bin));
  return candidates.some((file) => {
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Runs `produce` into gzip -> hash -> file; resolves with the hash of the file's bytes. */
async function writeDump(filePath: string, produce: (gz: Writable) => Promise<void>): Promise<HashingStream> {
  const gzip = zlib.createGzip({ level: 6 });
  const hashing = new HashingStream();
  const file = fs.createWriteStream(filePath);
  await Promise.all([produce(gzip), pipeline(gzip, hashing, file)]);
  return hashing;
}
