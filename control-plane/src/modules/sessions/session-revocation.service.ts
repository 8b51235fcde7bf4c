import {
  insertRevokedSession,
  raiseValidAfter,
  sessionsRevokedChannel,
  type SessionRevokedMessage,
  type SessionSubjectType,
} from '@kg/shared';
import type { AppContext } from '../../context';

/**
 * Writes revocations (docs/security.md, "Sessions and revocation"): MySQL first (the record), then
 * this process's memory (refused here at once, even with Redis away), then the announcement that
 * makes every other control-plane and tenant-app instance refuse within a second. A failed
 * announcement is logged, not thrown: the others read the record within REVOCATION_RELOAD_MS.
 */

export interface SessionSubject {
  type: SessionSubjectType;
  id: number;
}

/** Reasons recorded with a revocation (and shown in the auth log). */
export type RevocationReason =
  | 'logout'
  | 'logout_everywhere'
  | 'refresh_reuse'
  | 'password_change'
  | 'account_disabled'
  | 'account_locked'
  | 'admin_demoted'
  | 'admin_suspended'
  | 'unbound';

/**
 * How long a revocation must be kept: until the last access token it refuses has expired (issued
 * at the latest now, plus the verifiers' clock tolerance and a margin).
 */
function keptUntil(ctx: AppContext, nowMs: number): number {
  return nowMs + ctx.config.ACCESS_TOKEN_TTL_SECONDS * 1000 + 60_000;
}

/** Ends sign-ins: every access token carrying one of these sign-in ids is refused from now on. */
export async function revokeSignIns(
  ctx: AppContext,
  subject: SessionSubject,
  sessionIds: readonly string[],
  reason: RevocationReason,
): Promise<void> {
  const now = Date.now();
  const expiresAtMs = keptUntil(ctx, now);
  for (const sessionId of new Set(sessionIds)) {
    await insertRevokedSession(ctx.db, { sessionId, subjectType: subject.type, subjectId: subject.id, reason, revokedAtMs: now, expiresAtMs });
    await announce(ctx, { kind: 'session', sessionId, expiresAtMs });
  }
}

/**
 * Refuses every access token of the subject issued until now, on every instance (password
 * change, refresh-token reuse, disable or lock, an admin's demotion or suspension, an unbinding,
 * sign-out everywhere). Tokens issued afterwards work. Refresh tokens are not touched here:
 * callers that end the sessions too revoke them with the refresh-token repository.
 */
export async function refuseEarlierTokens(ctx: AppContext, subject: SessionSubject, reason: RevocationReason): Promise<void> {
  const now = Date.now();
  const moment = await raiseValidAfter(ctx.db, {
    subjectType: subject.type,
    subjectId: subject.id,
    reason,
    validAfterMs: now,
    expiresAtMs: keptUntil(ctx, now),
  });
  await announce(ctx, { kind: 'subject', subjectType: subject.type, subjectId: String(subject.id), ...moment });
}

async function announce(ctx: AppContext, message: SessionRevokedMessage): Promise<void> {
  ctx.revocations.apply(message);
  await ctx.redis
    .publish(sessionsRevokedChannel(ctx.config.REDIS_KEY_PREFIX), JSON.stringify(message))
    .catch((err: Error) => ctx.logger.warn({ err: err.message, kind: message.kind }, 'revocation not announced; others read it from MySQL'));
}
