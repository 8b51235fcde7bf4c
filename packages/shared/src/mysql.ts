import mysql, { type Pool, type PoolOptions, type Connection, type ConnectionOptions } from 'mysql2/promise';
import { z } from 'zod';
import { envx } from './env';
import { quoteId } from './identifiers';

export type { Pool, Connection, PoolConnection, RowDataPacket, ResultSetHeader } from 'mysql2/promise';

/** Env settings for the MySQL server the control plane (and the default tenant server) uses. */
export const mysqlEnvSchema = {
  MYSQL_HOST: envx.str('127.0.0.1'),
  MYSQL_PORT: envx.int(3306, 1, 65535),
  MYSQL_USER: envx.str('root'),
  MYSQL_PASSWORD: z.string().default(''),
};

export interface MysqlTarget {
  host: string;
  port: number;
  user: string;
  password: string;
}

export function mysqlTargetFromConfig(c: {
  MYSQL_HOST: string;
  MYSQL_PORT: number;
  MYSQL_USER: string;
  MYSQL_PASSWORD: string;
}): MysqlTarget {
  return { host: c.MYSQL_HOST, port: c.MYSQL_PORT, user: c.MYSQL_USER, password: c.MYSQL_PASSWORD };
}

const baseOptions = {
  charset: 'utf8mb4_unicode_ci',
  timezone: 'Z',
  dateStrings: false,
  supportBigNumbers: true,
  bigNumberStrings: false,
  decimalNumbers: true,
  connectTimeout: 5000,
} satisfies Partial<ConnectionOptions>;

/** A pool on one database. Connections run in UTC so DATETIME values round-trip. */
export function createPool(target: MysqlTarget, databaseName: string | undefined, opts: Partial<PoolOptions> = {}): Pool {
  const pool = mysql.createPool({
    ...baseOptions,
    ...target,
    database: databaseName,
    waitForConnections: true,
    connectionLimit: 10,
    maxIdle: 10,
    idleTimeout: 60_000,
    enableKeepAlive: true,
    ...opts,
  });
  pool.on('connection', (conn) => {
    conn.query("SET time_zone = '+00:00'");
  });
  return pool;
}

/** One connection, optionally allowing multiple statements (migrations only). */
export async function connect(
  target: MysqlTarget,
  databaseName?: string,
  opts: Partial<ConnectionOptions> = {},
): Promise<Connection> {
  const conn = await mysql.createConnection({ ...baseOptions, ...target, database: databaseName, ...opts });
  await conn.query("SET time_zone = '+00:00'");
  return conn;
}

/** Creates a database if missing (utf8mb4). */
export async function createDatabase(conn: Connection | Pool, name: string): Promise<void> {
  await conn.query(`CREATE DATABASE IF NOT EXISTS ${quoteId(name)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
}

/** Drops a database if present. */
export async function dropDatabase(conn: Connection | Pool, name: string): Promise<void> {
  await conn.query(`DROP DATABASE IF EXISTS ${quoteId(name)}`);
}

/** True if the database exists on the server. */
export async function databaseExists(conn: Connection | Pool, name: string): Promise<boolean> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>(
    'SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
    [name],
  );
  return rows.length > 0;
}

export interface TransactionOptions {
  /** Isolation level of this one transaction (the server's default otherwise). */
  isolation?: 'READ COMMITTED' | 'REPEATABLE READ' | 'SERIALIZABLE';
}

/** Runs fn inside a transaction on a pooled connection; rolls back on error. */
export async function withTransaction<T>(
  pool: Pool,
  fn: (conn: mysql.PoolConnection) => Promise<T>,
  opts: TransactionOptions = {},
): Promise<T> {
  const conn = await pool.getConnection();
  try {
    // SET TRANSACTION (without SESSION) applies to the next transaction only.
    if (opts.isolation) await conn.query(`SET TRANSACTION ISOLATION LEVEL ${opts.isolation}`);
    await conn.beginTransaction();
    const result = await fn(conn);
    await conn.commit();
    return result;
  } catch (err) {
    await conn.rollback().catch(() => undefined);
    throw err;
  } finally {
    conn.release();
  }
}

/**
 * The unique key a duplicate-entry error hit (MySQL and MariaDB name it in the message), or
 * null when `err` is not ER_DUP_ENTRY.
 */
export function duplicateKey(err: unknown): string | null {
  const e = err as { code?: string; message?: string } | null | undefined;
  if (e?.code !== 'ER_DUP_ENTRY') return null;
  const m = /for key '(?:[^'.]*\.)?([^']+)'/.exec(e.message ?? '');
  return m ? m[1]! : 'unknown';
}
