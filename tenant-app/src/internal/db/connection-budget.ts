import { connect, errors, quoteRole, type Connection, type DbLogin, type Logger, type MysqlTarget } from '@kg/shared';
import { roleThenQuery } from './pipeline';

/** A MySQL server tenant databases live on; `key` identifies it (host, port and user). */
export interface DbServer extends MysqlTarget {
  key: string;
}

export function dbServer(target: MysqlTarget): DbServer {
  return { ...target, key: `${target.user}@${target.host}:${target.port}` };
}

/**
 * Who a tenant's statements run as (docs/privileges.md, The tenant app's switch): the tenant
 * database's own account, to which a shared connection switches with COM_CHANGE_USER, or the
 * tenant database's role, which a connection signed in as the role account takes with SET ROLE.
 * Made once per tenant record (`asAccount`, `asRole`), so the hot path compares a string.
 */
export type TenantIdentity =
  | { readonly kind: 'account'; readonly key: string; readonly login: DbLogin }
  | { readonly kind: 'role'; readonly key: string; readonly setRole: string };

export function asAccount(login: DbLogin): TenantIdentity {
  return { kind: 'account', key: login.user, login };
}

export function asRole(role: string): TenantIdentity {
  return { kind: 'role', key: `role:${role}`, setRole: `SET ROLE ${quoteRole(role)}` };
}

/** How long a request for one server may wait while connections of another are handed around. */
const FAIRNESS_MS = 50;

interface Slot {
  conn: Connection;
  server: DbServer;
  /** Who its statements run as now: a tenant's account or role (TenantIdentity.key), else the server's account. */
  as: string;
  lastUsed: number;
  broken: boolean;
  /** Signed in with CLIENT_MULTI_STATEMENTS (roleSwitch `multi_statement`): texts with `;` are refused. */
  multi: boolean;
}

/** A statement that only reads: its `SET ROLE` may travel in the same write (pipeline.ts). */
const READ = /^\s*SELECT\b/i;

/** Global time zones under which a session after COM_CHANGE_USER is already UTC. */
const UTC_ZONES = new Set(['+00:00', 'UTC', 'GMT', 'Etc/UTC', 'Universal', 'Coordinated Universal Time']);

interface Waiter {
  server: DbServer;
  /** Who the request runs as: a new connection for a tenant account signs in as it directly. */
  as?: TenantIdentity;
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
  /** Connections switched to another tenant (COM_CHANGE_USER or SET ROLE). */
  switches: number;
  /** Of those, `SET ROLE`s sent in one write with the read that needed them (pipeline.ts). */
  switchesInOneWrite: number;
}

export interface ConnectionBudgetOptions {
  budget: number;
  idleTimeoutMs: number;
  acquireTimeoutMs: number;
  logger?: Logger;
  /** Extra mysql2 connection options (tests, connection attributes). */
  connectOptions?: Record<string, unknown>;
  /**
   * How a read that needs `SET ROLE` is sent (docs/privileges.md, The tenant app's switch):
   * `separate` (SET ROLE, its answer, then the read), `one_write` (both COM_QUERY packets in one
   * write, pipeline.ts) or `multi_statement` (`SET ROLE x;<read>` as one text; role-account
   * connections then allow several statements per text, and the budget refuses any statement
   * text containing `;`). Default `one_write`.
   */
  roleSwitch?: RoleSwitch;
}

export type RoleSwitch = 'separate' | 'one_write' | 'multi_statement';

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
  private switches = 0;
  private switchesInOneWrite = 0;
  /** Per server: whether a session needs `SET time_zone` again after COM_CHANGE_USER resets it. */
  private readonly resetsTimeZone = new Map<string, boolean>();
  private closed = false;
  private readonly reaper: NodeJS.Timeout;
  private readonly roleSwitch: RoleSwitch;

  constructor(private readonly opts: ConnectionBudgetOptions) {
    this.roleSwitch = opts.roleSwitch ?? 'one_write';
    if (opts.budget < 1) throw new Error('Connection budget must be at least 1');
    this.reaper = setInterval(() => this.reapIdle(), Math.max(250, Math.min(opts.idleTimeoutMs / 2, 10_000)));
    this.reaper.unref();
  }

  /**
   * Runs `fn` on a connection to `server`, returning it to the budget afterwards (even on error).
   * With `as` (a tenant's account or role) the connection is switched to it first.
   */
  async run<T>(server: DbServer, fn: (conn: Connection) => Promise<T>, as?: TenantIdentity): Promise<T> {
    const slot = await this.acquire(server, as);
    try {
      if (as && slot.as !== as.key) await new Promise<void>((resolve, reject) => this.switchTo(slot, as, (err) => (err ? reject(err) : resolve())));
      return await fn(slot.conn);
    } catch (err) {
      if ((err as { fatal?: boolean }).fatal) slot.broken = true;
      throw err;
    } finally {
      this.release(slot);
    }
  }

  /**
   * run() for a single statement, with fewer promises and, when the connection must take the
   * tenant's role, `SET ROLE` and the statement in one write (`pipeline.ts`): an idle connection
   * at hand (the steady state) makes one promise; one that has to be waited for, two.
   */
  query(server: DbServer, sql: string, params: unknown[], as?: TenantIdentity): Promise<unknown> {
    const slot = this.closed ? undefined : this.takeIdle(server.key, as?.key);
    if (!slot) return this.acquire(server, as).then((s) => this.send(s, sql, params, as));
    this.lease(slot);
    return this.send(slot, sql, params, as);
  }

  /** Runs one statement on a leased connection, switching it first if needed, and releases it. */
  private send(slot: Slot, sql: string, params: unknown[], as?: TenantIdentity): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const done = (err: Error | null, result?: unknown) => {
        if ((err as { fatal?: boolean } | null)?.fatal) slot.broken = true;
        this.release(slot);
        if (err) reject(err);
        else resolve(result);
      };
      const send = () => {
        try {
          coreOf(slot.conn).query(sql, params, done);
        } catch (err) {
          done(err as Error);
        }
      };
      // A connection that allows several statements per text only ever gets single statements
      // from the app: a text with `;` is refused before anything is sent.
      if (slot.multi && sql.includes(';')) return done(new Error('Several statements in one text are not allowed on shared tenant connections'));
      if (!as || slot.as === as.key) return send();
      if (as.kind === 'role' && READ.test(sql)) {
        // Only reads: if SET ROLE fails the read may still run under the previous role (one
        // write), and its result is dropped; a write is never sent before its switch succeeded.
        if (slot.multi) {
          // `SET ROLE x;<read>`: MariaDB stops at a failed SET ROLE and answers both in one write.
          // Any error closes the connection on release: it may have come from SET ROLE.
          try {
            coreOf(slot.conn).query(`${as.setRole};${sql}`, params, (err, results) => {
              this.switched(slot, as, err, true);
              done(err, err ? undefined : (results as unknown[])[1]);
            });
          } catch (err) {
            done(err as Error);
          }
          return;
        }
        try {
          if (this.roleSwitch === 'one_write' && roleThenQuery(slot.conn, as.setRole, sql, params, (err) => this.switched(slot, as, err, true), done)) return;
        } catch (err) {
          // Nothing was written (formatting the statement failed): the connection is as it was.
          return done(err as Error);
        }
      }
      this.switchTo(slot, as, (err) => (err ? done(err) : send()));
    });
  }

  /** Records the outcome of a switch: the connection runs as `as` now, or is closed on release. */
  private switched(slot: Slot, as: TenantIdentity, err: Error | null, inOneWrite = false): void {
    if (err) {
      slot.broken = true;
      return;
    }
    slot.as = as.key;
    this.switches++;
    if (inOneWrite) this.switchesInOneWrite++;
  }

  /**
   * Switches a connection to another tenant (docs/request-path.md, Connections). A role: `SET
   * ROLE`, one small statement; the session is not reset, which is why the guard refuses every
   * session-changing statement. An account: COM_CHANGE_USER, which also resets the session, so
   * nothing of the previous tenant's session survives, but costs MariaDB a fresh authentication
   * (two round trips, docs/privileges.md); the reset also restores the global time zone, so where
   * that is not UTC the session's zone is set again. A failed switch leaves the connection broken
   * (closed on release), never running as the previous tenant.
   */
  private switchTo(slot: Slot, as: TenantIdentity, cb: (err: Error | null) => void): void {
    const core = coreOf(slot.conn);
    if (as.kind === 'role') {
      core.query(as.setRole, [], (err) => {
        this.switched(slot, as, err);
        cb(err);
      });
      return;
    }
    const { login } = as;
    core.changeUser({ user: login.user, password: login.password }, (err) => {
      this.switched(slot, as, err);
      if (err) return cb(err);
      if (this.resetsTimeZone.get(slot.server.key) === false) return cb(null);
      core.query("SET time_zone = '+00:00'", [], (e) => cb(e));
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
      switches: this.switches,
      switchesInOneWrite: this.switchesInOneWrite,
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

  private acquire(server: DbServer, as?: TenantIdentity): Promise<Slot> {
    if (this.closed) return Promise.reject(errors.unavailable('The tenant app is shutting down'));
    const slot = this.takeIdle(server.key, as?.key);
    if (slot) return Promise.resolve(this.lease(slot));
    if (this.waiters.length === 0) {
      const room = this.makeRoom();
      if (room) return this.openFor(server, room, as).then((s) => this.lease(s));
    }
    return new Promise<Slot>((resolve, reject) => {
      const waiter: Waiter = {
        server,
        as,
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
      this.openFor(w.server, room, w.as).then(w.resolve, w.reject);
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

  private takeIdle(serverKey: string, as?: string): Slot | undefined {
    const list = this.idle.get(serverKey);
    if (!list || list.length === 0) return undefined;
    // A connection already running as the tenant needs no switch; the list is short (the budget).
    if (as !== undefined) {
      for (let i = list.length - 1; i >= 0; i--) {
        if (list[i]!.as === as) return list.splice(i, 1)[0];
      }
    }
    // Most recently used first: keeps a warm core and lets the rest age out.
    return list.pop();
  }

  /** Opens a connection in a slot reserved by makeRoom (closing the evicted connection first). */
  private async openFor(server: DbServer, room: 'free' | Slot, as?: TenantIdentity): Promise<Slot> {
    if (room !== 'free') {
      this.countServer(room.server.key, -1);
      await closeQuietly(room.conn);
    }
    this.countServer(server.key, +1);
    try {
      // A connection opened for a tenant's account signs in as it directly (no switch needed); one
      // for a tenant's role signs in as the server's (role) account and takes the role on first use.
      const { host, port } = server;
      const { user, password } = as?.kind === 'account' ? as.login : server;
      const multi = this.roleSwitch === 'multi_statement' && as?.kind === 'role';
      const conn = await connect({ host, port, user, password }, undefined, {
        connectAttributes: { program_name: 'kg-tenant-app' },
        ...(multi ? { multipleStatements: true } : {}),
        // Calendar dates (birthdays, plan dates) stay 'YYYY-MM-DD' rather than midnight UTC instants.
        dateStrings: ['DATE'],
        ...(this.opts.connectOptions ?? {}),
      });
      this.created++;
      if (!this.resetsTimeZone.has(server.key)) this.resetsTimeZone.set(server.key, !(await sessionsStartInUtc(conn)));
      if (multi) await assertLiteralsEscape(conn);
      const slot: Slot = { conn, server, as: as?.kind === 'account' ? as.key : '', lastUsed: Date.now(), broken: false, multi };
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

/**
 * With several statements allowed per text, a value must never end its statement: mysql2 escapes
 * quotes with a backslash, which holds only without NO_BACKSLASH_ESCAPES and with a client
 * character set in which no multi-byte character ends in a backslash byte (utf8mb4).
 */
async function assertLiteralsEscape(conn: Connection): Promise<void> {
  const [rows] = await conn.query('SELECT @@session.sql_mode AS mode, @@session.character_set_client AS cs');
  const r = (rows as Array<{ mode: string; cs: string }>)[0];
  if (!r || /NO_BACKSLASH_ESCAPES/i.test(r.mode) || !/^utf8/.test(r.cs)) {
    await closeQuietly(conn);
    throw new Error(`multi_statement switch refused: sql_mode ${r?.mode}, character set ${r?.cs}`);
  }
}

/** True when a fresh session on this server (after COM_CHANGE_USER) already runs in UTC. */
async function sessionsStartInUtc(conn: Connection): Promise<boolean> {
  const [rows] = await conn.query('SELECT @@global.time_zone AS tz, @@system_time_zone AS sys');
  const r = (rows as Array<{ tz: string; sys: string }>)[0];
  return !!r && (UTC_ZONES.has(r.tz) || (r.tz === 'SYSTEM' && UTC_ZONES.has(r.sys)));
}

type CoreQuery = (sql: string, values: unknown[], cb: (err: Error | null, result: unknown) => void) => void;
type CoreChangeUser = (opts: { user: string; password: string }, cb: (err: Error | null) => void) => void;

/** The callback connection under mysql2's promise wrapper. */
function coreOf(conn: Connection): { query: CoreQuery; changeUser: CoreChangeUser } {
  return (conn as unknown as { connection: { query: CoreQuery; changeUser: CoreChangeUser } }).connection;
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
