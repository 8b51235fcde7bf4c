import type { Pool } from 'mysql2/promise';
import type { Redis } from 'ioredis';
import { ErrorCode, errors } from '../errors';
import type { Logger } from '../logger';
import { subscribeJson } from '../redis';
import { loadRevocations, type SessionSubjectType } from './revocation.repository';

/** Redis pub/sub channel announcing ended sign-ins and raised "valid after" moments. */
export function sessionsRevokedChannel(redisKeyPrefix: string): string {
  return `${redisKeyPrefix}sessions-revoked`;
}

/** What the control plane announces after writing a revocation to MySQL. */
export type SessionRevokedMessage =
  | { kind: 'session'; sessionId: string; expiresAtMs: number }
  | { kind: 'subject'; subjectType: SessionSubjectType; subjectId: string; validAfterMs: number; expiresAtMs: number };

/** The claims a revocation decision needs (user and admin tokens both carry them). */
export interface RevocableClaims {
  typ: 'admin' | 'user';
  sub: string;
  jti: string;
  /** Sign-in id; a token without one is its own sign-in (its jti). */
  sid?: string;
  iat: number;
  /** Issue moment in milliseconds (iat has whole seconds only). */
  iatMs?: number;
}

export interface SessionRevocationsOptions {
  /** Control database holding auth_valid_after and auth_revoked_sessions. */
  db: Pool;
  /** Safety net behind the announcements: rows written meanwhile are read this often. */
  reloadIntervalMs: number;
  logger?: Logger;
}

/** How far back an incremental reload looks, to cover commit delays and clock skew between hosts. */
const RELOAD_OVERLAP_MS = 60_000;

/**
 * Every revocation still in force, in memory (docs/security.md, "Sessions and revocation"): ended
 * sign-ins and per-subject "valid after" moments. MySQL is the record; Redis only announces
 * changes. A check is two Map lookups and never waits for I/O. The state is loaded from MySQL at
 * start, fully again whenever the announcement subscription reconnects (announcements may have
 * been missed, Redis may have lost its data), and incrementally every `reloadIntervalMs` (an
 * announcement whose publish failed). Entries are only dropped once no token they refuse can
 * still be alive, so nothing revoked becomes valid again. Until the first load succeeded every
 * check answers 503.
 */
export class SessionRevocations {
  private readonly sessions = new Map<string, number>();
  private readonly subjects: Record<SessionSubjectType, Map<string, { validAfterMs: number; expiresAtMs: number }>> = {
    admin: new Map(),
    user: new Map(),
  };
  private readonly listeners: Array<(subject?: { type: SessionSubjectType; id: string }) => void> = [];
  private loaded = false;
  /** Start of the last successful load: the next incremental one reads rows written since (minus the overlap). */
  private loadedFromMs = 0;
  private timer?: NodeJS.Timeout;
  private loading?: Promise<void>;
  /** Announcements received (diagnostics and tests). */
  messages = 0;
  /** Successful loads from MySQL, full or incremental (diagnostics and tests). */
  loads = 0;

  constructor(private readonly opts: SessionRevocationsOptions) {}

  /**
   * Loads the state, subscribes to announcements on `subscriber` (a connection in subscriber
   * mode) and starts the reload timer. A failed first load is retried by the timer; checks answer
   * 503 meanwhile.
   */
  async start(subscriber: Redis, redisKeyPrefix: string): Promise<void> {
    // Subscribed before the first load, so nothing announced in between is missed; the load does
    // not wait for Redis, which may be away.
    const subscribed = subscribeJson<SessionRevokedMessage>(subscriber, sessionsRevokedChannel(redisKeyPrefix), {
      message: (msg) => {
        this.messages++;
        if (msg && (msg.kind === 'session' || msg.kind === 'subject')) this.apply(msg);
        else void this.reload(true); // unreadable: read the record instead
      },
      reconnected: () => void this.reload(true),
    });
    await this.reload(true);
    this.timer = setInterval(() => {
      this.prune();
      void this.reload(!this.loaded);
    }, this.opts.reloadIntervalMs);
    this.timer.unref();
    await subscribed;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Throws 401 TOKEN_REVOKED when the token's sign-in ended or it predates its subject's "valid after" moment. */
  check(claims: RevocableClaims): void {
    if (!this.loaded) throw errors.unavailable('Sign-in state is not loaded yet, try again shortly');
    if (this.sessions.has(claims.sid ?? claims.jti)) {
      throw errors.unauthorized('This sign-in has ended; sign in again', ErrorCode.TokenRevoked);
    }
    const subject = this.subjects[claims.typ]?.get(claims.sub);
    if (subject !== undefined && (claims.iatMs ?? claims.iat * 1000) <= subject.validAfterMs) {
      throw errors.unauthorized('Access token was revoked; sign in again', ErrorCode.TokenRevoked);
    }
  }

  /** Takes a revocation into account at once (from an announcement, or the process that wrote it). */
  apply(msg: SessionRevokedMessage): void {
    if (msg.kind === 'session') {
      if (typeof msg.sessionId !== 'string') return;
      this.sessions.set(msg.sessionId, Math.max(Number(msg.expiresAtMs) || 0, this.sessions.get(msg.sessionId) ?? 0));
      return;
    }
    const map = this.subjects[msg.subjectType];
    if (!map || typeof msg.subjectId !== 'string') return;
    const known = map.get(msg.subjectId);
    map.set(msg.subjectId, {
      validAfterMs: Math.max(Number(msg.validAfterMs) || 0, known?.validAfterMs ?? 0),
      expiresAtMs: Math.max(Number(msg.expiresAtMs) || 0, known?.expiresAtMs ?? 0),
    });
    for (const listener of this.listeners) listener({ type: msg.subjectType, id: msg.subjectId });
  }

  /**
   * Calls `listener` whenever a subject's access changed (its "valid after" moment moved), and
   * with no argument after a full reload (anything may have changed): for caches of subject
   * state such as an admin's role.
   */
  onSubjectChange(listener: (subject?: { type: SessionSubjectType; id: string }) => void): void {
    this.listeners.push(listener);
  }

  /** Entries held (diagnostics and metrics). */
  size(): { sessions: number; subjects: number } {
    return { sessions: this.sessions.size, subjects: this.subjects.admin.size + this.subjects.user.size };
  }

  /** Reads the record: everything in force (`full`) or what was written since the last load. */
  reload(full: boolean): Promise<void> {
    if (this.loading) return this.loading.then(() => (full ? this.reload(true) : undefined));
    const startedAt = Date.now();
    const since = full ? 0 : Math.max(0, this.loadedFromMs - RELOAD_OVERLAP_MS);
    this.loading = loadRevocations(this.opts.db, startedAt, since)
      .then(({ sessions, subjects }) => {
        for (const s of sessions) this.apply({ kind: 'session', ...s });
        for (const s of subjects) this.apply({ kind: 'subject', ...s });
        if (full) for (const listener of this.listeners) listener();
        this.loadedFromMs = startedAt;
        this.loaded = true;
        this.loads++;
      })
      .catch((err: Error) => {
        this.opts.logger?.warn({ err: err.message }, 'revocation state not reloaded; retrying');
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }

  /** Drops entries that can no longer refuse a live token. */
  private prune(): void {
    const now = Date.now();
    for (const [id, exp] of this.sessions) if (exp <= now) this.sessions.delete(id);
    for (const map of Object.values(this.subjects)) for (const [id, s] of map) if (s.expiresAtMs <= now) map.delete(id);
  }
}
