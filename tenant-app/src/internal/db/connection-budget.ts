import { connect, errors, type Connection, type Logger, type MysqlTarget } from '@kg/shared';

/** A MySQL server tenant databases live on; `key` identifies it (host, port and user). */
export interface DbServer extends MysqlTarget {
  key: string;
}

export function dbServer(target: MysqlTarget): DbServer {
  return { ...target, key: `${target.user}@${target.host}:${target.port}` };
}

/** How long a request for one server may wait while connections of another are handed around. */
const FAIRNESS_MS = 50;

interface Slot {
  conn: Connection;
  server: DbServer;
  lastUsed: number;
  broken: boolean;
}

interface Waiter {
  server: DbServer;
  since: number;
  resolve: (slot: Slot) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export interface BudgetStats {
  budget: number;
  /** Connections open now, including ones being established. */
  open: number;
  busy: number;
  idle: number;
  waiting: number;
  /** Servers with at least one open connection (the "open pools"). */
  servers: number;
  /** Highest `open` ever seen: must never exceed `budget`. */
  peakOpen: number;
  created: number;
  /** Idle connections closed to make room for another server. */
  evicted: number;
  /** Idle connections closed by the idle timeout. */
  reaped: number;
}

export interface ConnectionBudgetOptions {
  budget: number;
  idleTimeoutMs: number;
  acquireTimeoutMs: number;
  logger?: Logger;
  /** Extra mysql2 connection options (tests, connection attributes). */
  connectOptions?: Record<string, unknown>;
}

/**
 * The process-wide budget of tenant-database connections (docs/request-path.md, Connections): at
 * most `budget` MySQL connections are ever open, whatever the number of tenants or servers.
 *
 * Connections are opened WITHOUT a default database and are shared by every tenant on their
 * server; the tenant is chosen per statement by fully-qualified table names (see TenantDb), so
 * nothing about a connection's session says which tenant it served and it can go to any tenant
 * next. Connections are grouped per server; when the budget is full and a request needs a server
 * that has no idle connection, the least recently used idle connection of another server is closed
 * to make room (LRU), else the request waits (FIFO) up to `acquireTimeoutMs` and then gets a 503.
 */
export class ConnectionBudget {
  private readonly idle = new Map<string, Slot[]>();
  private readonly waiters: Waiter[] = [];
  private readonly openPerServer = new Map<string, number>();
  private open = 0;
  private busy = 0;
  private peakOpen = 0;
  private created = 0;
  private evicted = 0;
  private reaped = 0;
  private closed = false;
  private readonly reaper: NodeJS.Timeout;

  constructor(private readonly opts: ConnectionBudgetOptions) {
    if (opts.budget < 1) throw new Error('Connection budget must be at least 1');
    this.reaper = setInterval(() => this.reapIdle(), Math.max(250, Math.min(opts.idleTimeoutMs / 2, 10_000)));
    this.reaper.unref();
  }

  /** Runs `fn` on a connection to `server`, returning it to the budget afterwards (even on error). */
  async run<T>(server: DbServer, fn: (conn: Connection) => Promise<T>): Promise<T> {
    const slot = await this.acquire(server);
    try {
      return await fn(slot.conn);
    } catch (err) {
      if ((err as { fatal?: boolean }).fatal) slot.broken = true;
      throw err;
    } finally {
      this.release(slot);
    }
  }

  /**
   * run() for a single statement: when an idle connection of the server is at hand (the steady
   * state) the statement goes straight to it and one promise is made, instead of the several of
   * run() plus a promise-returning query.
   */
  query(server: DbServer, sql: string, params: unknown[]): Promise<unknown> {
    const slot = this.closed ? undefined : this.takeIdle(server.key);
    if (!slot) return this.run(server, (conn) => rawQuery(conn, sql, params));
    this.lease(slot);
    return new Promise((resolve, reject) => {
      const done = (err: Error | null, result?: unknown) => {
        if ((err as { fatal?: boolean } | null)?.fatal) slot.broken = true;
        this.release(slot);
        if (err) reject(err);
        else resolve(result);
      };
      try {
        coreOf(slot.conn).query(sql, params, done);
      } catch (err) {
        done(err as Error);
      }
    });
  }

  stats(): BudgetStats {
    let idle = 0;
    for (const list of this.idle.values()) idle += list.length;
    let servers = 0;
    for (const n of this.openPerServer.values()) if (n > 0) servers++;
    return {
      budget: this.opts.budget,
      open: this.open,
      busy: this.busy,
      idle,
      waiting: this.waiters.length,
      servers,
      peakOpen: this.peakOpen,
      created: this.created,
      evicted: this.evicted,
      reaped: this.reaped,
    };
  }

  /** Closes every idle connection of a server (e.g. its credentials changed). Busy ones close on release. */
  async closeServer(serverKey: string): Promise<void> {
    const list = this.idle.get(serverKey) ?? [];
    this.idle.delete(serverKey);
    await Promise.all(list.map((s) => this.destroy(s)));
    this.dispatch();
  }

  /** Refuses new work, rejects waiters and closes idle connections; busy ones close on release. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.reaper);
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(errors.unavailable('The tenant app is shutting down'));
    }
    const all = [...this.idle.values()].flat();
    this.idle.clear();
    await Promise.all(all.map((s) => this.destroy(s)));
  }

  private acquire(server: DbServer): Promise<Slot> {
    if (this.closed) return Promise.reject(errors.unavailable('The tenant app is shutting down'));
    const slot = this.takeIdle(server.key);
    if (slot) return Promise.resolve(this.lease(slot));
    if (this.waiters.length === 0) {
      const room = this.makeRoom();
      if (room) return this.openFor(server, room).then((s) => this.lease(s));
    }
    return new Promise<Slot>((resolve, reject) => {
      const waiter: Waiter = {
        server,
        since: Date.now(),
        resolve: (s) => resolve(this.lease(s)),
        reject,
        timer: setTimeout(() => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(errors.unavailable('No tenant database connection became free in time'));
        }, this.opts.acquireTimeoutMs),
      };
      this.waiters.push(waiter);
      this.dispatch();
    });
  }

  private lease(slot: Slot): Slot {
    this.busy++;
    return slot;
  }

  private release(slot: Slot): void {
    this.busy--;
    slot.lastUsed = Date.now();
    if (slot.broken || this.closed) {
      void this.destroy(slot).then(() => this.dispatch());
      return;
    }
    // A request for another server that has waited too long gets this connection's budget, so a
    // busy server cannot starve the others by handing its connections around forever.
    const oldest = this.waiters[0];
    if (oldest && oldest.server.key !== slot.server.key && Date.now() - oldest.since > FAIRNESS_MS) {
      void this.destroy(slot).then(() => this.dispatch());
      return;
    }
    // Hand over directly to the oldest waiter for the same server, if any.
    const i = this.waiters.findIndex((w) => w.server.key === slot.server.key);
    if (i >= 0) {
      const [w] = this.waiters.splice(i, 1);
      clearTimeout(w!.timer);
      w!.resolve(slot);
      return;
    }
    let list = this.idle.get(slot.server.key);
    if (!list) this.idle.set(slot.server.key, (list = []));
    list.push(slot);
    this.dispatch();
  }

  /** Serves waiters: idle connections of their server first, then new connections within the budget. */
  private dispatch(): void {
    let roomLeft = true;
    for (let i = 0; i < this.waiters.length; ) {
      const w = this.waiters[i]!;
      const slot = this.takeIdle(w.server.key);
      if (slot) {
        this.waiters.splice(i, 1);
        clearTimeout(w.timer);
        w.resolve(slot);
        continue;
      }
      const room = roomLeft && this.makeRoom();
      if (!room) {
        // No budget left: later waiters may still find an idle connection of their server.
        roomLeft = false;
        i++;
        continue;
      }
      this.waiters.splice(i, 1);
      // Once a connection is being opened for it, the waiter no longer times out (connect has its own).
      clearTimeout(w.timer);
      this.openFor(w.server, room).then(w.resolve, w.reject);
    }
  }

  /**
   * Reserves budget for one more connection: a free slot, or the slot of the least recently used
   * idle connection of any server, which is closed first (the new connection opens only after the
   * old one is gone, so even the server never sees more than `budget` connections from us).
   */
  private makeRoom(): 'free' | Slot | false {
    if (this.open < this.opts.budget) {
      this.open++;
      this.peakOpen = Math.max(this.peakOpen, this.open);
      return 'free';
    }
    let victim: Slot | undefined;
    for (const list of this.idle.values()) {
      const oldest = list[0];
      if (oldest && (!victim || oldest.lastUsed < victim.lastUsed)) victim = oldest;
    }
    if (!victim) return false;
    this.idle.get(victim.server.key)!.shift();
    this.evicted++;
    return victim;
  }

  private takeIdle(serverKey: string): Slot | undefined {
    const list = this.idle.get(serverKey);
    // Most recently used first: keeps a warm core and lets the rest age out.
    return list?.pop();
  }

  /** Opens a connection in a slot reserved by makeRoom (closing the evicted connection first). */
  private async openFor(server: DbServer, room: 'free' | Slot): Promise<Slot> {
    if (room !== 'free') {
      this.countServer(room.server.key, -1);
      await closeQuietly(room.conn);
    }
    this.countServer(server.key, +1);
    try {
      const { host, port, user, password } = server;
      const conn = await connect({ host, port, user, password }, undefined, {
        connectAttributes: { program_name: 'kg-tenant-app' },
        // Calendar dates (birthdays, plan dates) stay 'YYYY-MM-DD' rather than midnight UTC instants.
        dateStrings: ['DATE'],
        ...(this.opts.connectOptions ?? {}),
      });
      this.created++;
      const slot: Slot = { conn, server, lastUsed: Date.now(), broken: false };
      conn.on('error', (err: Error) => {
        slot.broken = true;
        this.opts.logger?.warn({ err: err.message, server: server.key }, 'tenant connection error');
        // An idle connection that dies is dropped now; a busy one when it is released.
        const list = this.idle.get(server.key);
        const i = list?.indexOf(slot) ?? -1;
        if (list && i >= 0) {
          list.splice(i, 1);
          void this.destroy(slot).then(() => this.dispatch());
        }
      });
      return slot;
    } catch (err) {
      this.countServer(server.key, -1);
      this.open--;
      queueMicrotask(() => this.dispatch());
      throw err;
    }
  }

  private countServer(serverKey: string, delta: number): void {
    const n = (this.openPerServer.get(serverKey) ?? 0) + delta;
    if (n <= 0) this.openPerServer.delete(serverKey);
    else this.openPerServer.set(serverKey, n);
  }

  /** Closes a connection and only then gives its slot back to the budget. */
  private async destroy(slot: Slot): Promise<void> {
    await closeQuietly(slot.conn);
    this.countServer(slot.server.key, -1);
    this.open--;
  }

  private reapIdle(): void {
    const cutoff = Date.now() - this.opts.idleTimeoutMs;
    for (const [key, list] of this.idle) {
      // Oldest first: list is ordered by lastUsed.
      while (list.length && list[0]!.lastUsed < cutoff) {
        const slot = list.shift()!;
        this.reaped++;
        void this.destroy(slot).then(() => this.dispatch());
      }
      if (list.length === 0) this.idle.delete(key);
    }
  }
}

/** Ends a connection politely (COM_QUIT), falling back to destroying the socket. */
async function closeQuietly(conn: Connection): Promise<void> {
  try {
    await Promise.race([conn.end(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 1000).unref())]);
  } catch {
    try {
      conn.destroy();
    } catch {
      /* already gone */
    }
  }
}

type CoreQuery = (sql: string, values: unknown[], cb: (err: Error | null, result: unknown) => void) => void;

/** The callback connection under mysql2's promise wrapper. */
function coreOf(conn: Connection): { query: CoreQuery } {
  return (conn as unknown as { connection: { query: CoreQuery } }).connection;
}

/**
 * Runs a statement on the callback connection under the promise wrapper: same protocol, without
 * the stack trace mysql2/promise captures for every query (measurable on the hot path).
 */
export function rawQuery(conn: Connection, sql: string, params: unknown[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    coreOf(conn).query(sql, params, (err, result) => (err ? reject(err) : resolve(result)));
  });
}
