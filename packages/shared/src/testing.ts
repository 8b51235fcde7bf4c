import crypto from 'node:crypto';
import net from 'node:net';
import { Redis } from 'ioredis';
import { connect, dropDatabase, type MysqlTarget } from './mysql';

/**
 * Test support shared by every workspace: unique database names and Redis prefixes per test
 * file (tests share one MariaDB and one Redis), cleanup, and a TCP proxy that can "take down"
 * MySQL or Redis for one app.
 */
export function testMysqlTarget(): MysqlTarget {
  return {
    host: process.env.MYSQL_HOST ?? '127.0.0.1',
    port: Number(process.env.MYSQL_PORT ?? 3306),
    user: process.env.MYSQL_USER ?? 'root',
    password: process.env.MYSQL_PASSWORD ?? '',
  };
}

/** A TCP port nobody listens on right now (for a child process or a stub server). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

export function testRedisUrl(): string {
  return process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
}

/** A short unique id, safe inside database names and Redis keys. */
export function uniqueId(label = 't'): string {
  return `${label.replace(/[^a-z0-9]/gi, '').toLowerCase().slice(0, 12)}_${crypto.randomBytes(4).toString('hex')}`;
}

/** Drops databases by exact name. */
export async function dropDatabases(names: string[], target: MysqlTarget = testMysqlTarget()): Promise<void> {
  if (!names.length) return;
  const conn = await connect(target);
  try {
    for (const n of names) await dropDatabase(conn, n);
  } finally {
    await conn.end();
  }
}

/** Deletes every Redis key starting with `prefix`. */
export async function deleteRedisPrefix(prefix: string, url: string = testRedisUrl()): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** A random MASTER_KEY for a test app. */
export function randomMasterKey(): string {
  return crypto.randomBytes(32).toString('base64');
}

/**
 * A TCP proxy in front of a real server. `pause()` drops every connection and refuses new ones
 * (the backing store looks down to the app behind it); `resume()` brings it back.
 */
export class TcpProxy {
  private server?: net.Server;
  private sockets = new Set<net.Socket>();
  private paused = false;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(): Promise<number> {
    this.server = net.createServer((client) => {
      if (this.paused) {
        client.destroy();
        return;
      }
      const upstream = net.connect(this.targetPort, this.targetHost);
      this.sockets.add(client);
      this.sockets.add(upstream);
      const close = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server!.address() as net.AddressInfo).port;
    return this.port;
  }

  pause(): void {
    this.paused = true;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  resume(): void {
    this.paused = false;
  }

  async stop(): Promise<void> {
    this.pause();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

export interface HttpResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** Small JSON HTTP client for component tests. */
export async function http<T = any>(
  method: string,
  url: string,
  opts: { body?: unknown; token?: string; headers?: Record<string, string> } = {},
): Promise<HttpResult<T>> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const res = await fetch(url, {
    method,
    headers,
    body: opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: body as T, headers: res.headers };
}
