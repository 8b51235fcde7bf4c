import crypto from 'node:crypto';
import { AppError, ErrorCode, errors, withTransaction, type Connection, type PoolConnection } from '@kg/shared';
import type { AppContext } from '../../context';
import { randomToken, sha256 } from '../../internal/crypto';
import { recordAuthEvent, recordSecurityEvent, type ClientInfo, type SubjectType } from './auth-log.repository';
import {
  findRefreshTokenByHash,
  insertRefreshToken,
  lockRefreshTokenByHash,
  markRefreshTokenRotated,
  revokeRefreshFamily,
  revokeSignInRefreshTokens,
  revokeSubjectRefreshTokens,
  type RefreshTokenRecord,
} from './refresh-token.repository';
import { refuseEarlierTokens, revokeSignIns } from '../sessions/session-revocation.service';

/** revoke_reason values that mean something to the refresh flow. */
export const RevokeReason = {
  logout: 'logout',
  reuse: 'reuse_detected',
} as const;

/** Whose session a refresh family belongs to; tenant-scoped families keep their tenant. */
export interface RefreshSubject {
  type: SubjectType;
  id: number;
  tenantCode: string | null;
}

/** Where a refresh token sits: its family (rotation chain) and the sign-in the family belongs to. */
export interface RefreshLineage {
  familyId: string;
  sessionId: string;
}

/**
 * Creates a refresh token (opaque random, stored as SHA-256). Without `lineage` it starts a new
 * sign-in whose id is its family's; switch-tenant passes a new family within the caller's sign-in,
 * rotation the presented token's family. Returns the token to hand to the client once, and the
 * sign-in id every access token of this session carries (claim sid).
 */
export async function issueRefreshToken(
  ctx: AppContext,
  db: Connection,
  subject: RefreshSubject,
  client: ClientInfo,
  lineage?: RefreshLineage,
): Promise<{ refreshToken: string; id: number; familyId: string; sessionId: string }> {
  const familyId = lineage?.familyId ?? crypto.randomUUID();
  const sessionId = lineage?.sessionId ?? familyId;
  const refreshToken = randomToken(32);
  const id = await insertRefreshToken(db, {
    tokenHash: sha256(refreshToken),
    familyId,
    sessionId,
    subjectType: subject.type,
    subjectId: subject.id,
    tenantCode: subject.tenantCode,
    ttlSeconds: ctx.config.REFRESH_TOKEN_TTL_SECONDS,
    ip: client.ip,
    userAgent: client.userAgent,
  });
  return { refreshToken, id, familyId, sessionId };
}

/**
 * Re-checks, inside the rotation transaction, that the session may continue (account still
 * enabled, tenant still bound and active). Throwing refuses the refresh and changes nothing.
 */
export type RefreshCheck = (record: RefreshTokenRecord, conn: PoolConnection) => Promise<void>;

type Outcome =
  | { kind: 'unknown' }
  | { kind: 'revoked' | 'expired'; record: RefreshTokenRecord }
  | { kind: 'reused'; record: RefreshTokenRecord; firstDetection: boolean }
  | { kind: 'rotated'; record: RefreshTokenRecord; refreshToken: string };

const DEADLOCK = 'ER_LOCK_DEADLOCK';

/**
 * Rotates a refresh token within its family: the presented token becomes `rotated`, a new one
 * is issued. Presenting a rotated token again means it was copied: the whole family is revoked
 * (the legitimate newest token stops working too) and a security event is written.
 */
export async function rotateRefreshToken(
  ctx: AppContext,
  presented: string,
  subjectType: SubjectType,
  client: ClientInfo,
  check: RefreshCheck,
): Promise<{ record: RefreshTokenRecord; refreshToken: string }> {
  const tokenHash = sha256(presented);
  const attempt = () =>
    withTransaction(ctx.db, async (conn): Promise<Outcome> => {
      const record = await lockRefreshTokenByHash(conn, tokenHash);
      if (!record || record.subjectType !== subjectType) return { kind: 'unknown' };
      if (record.status === 'rotated' || (record.status === 'revoked' && record.revokeReason === RevokeReason.reuse)) {
        // Committed (not thrown) so the revocation and the event survive the refusal.
        const stillLive = await revokeRefreshFamily(conn, record.familyId, RevokeReason.reuse);
        await recordSecurityEvent(conn, {
          eventType: 'refresh_token_reuse',
          severity: 'high',
          subjectType: record.subjectType,
          subjectId: record.subjectId,
          tenantCode: record.tenantCode,
          ip: client.ip,
          details: { familyId: record.familyId, tokenId: record.id, userAgent: client.userAgent },
        });
        return { kind: 'reused', record, firstDetection: stillLive > 0 };
      }
      if (record.status === 'revoked') return { kind: 'revoked', record };
      if (record.expired) return { kind: 'expired', record };
      await check(record, conn);
      const next = await issueRefreshToken(ctx, conn, toSubject(record), client, record);
      await markRefreshTokenRotated(conn, record.id, next.id);
      return { kind: 'rotated', record, refreshToken: next.refreshToken };
    });

  let outcome: Outcome;
  try {
    outcome = await attempt();
  } catch (err) {
    // Two copies of one family presented at the same instant can deadlock; one retry settles it.
    if ((err as { code?: string }).code !== DEADLOCK) throw err;
    outcome = await attempt();
  }

  switch (outcome.kind) {
    case 'unknown':
      throw errors.unauthorized('Refresh token is not valid', ErrorCode.TokenInvalid);
    case 'revoked':
      throw errors.unauthorized('Refresh token was revoked; sign in again', ErrorCode.TokenRevoked);
    case 'expired':
      throw errors.unauthorized('Refresh token expired; sign in again', ErrorCode.TokenExpired);
    case 'reused':
      // A copied token: the sign-in it belongs to ends (tenant-scoped families included) and every
      // access token of the subject issued so far is refused (the thief may hold one). Only when
      // the copy is first detected: presenting the stale token again must not let whoever holds
      // it sign the owner out over and over (their later tokens cannot come from the thief).
      if (outcome.firstDetection) {
        await revokeSignInRefreshTokens(ctx.db, outcome.record.sessionId, RevokeReason.reuse);
        await revokeSignIns(ctx, subjectOf(outcome.record), [outcome.record.sessionId], 'refresh_reuse');
        await refuseEarlierTokens(ctx, subjectOf(outcome.record), 'refresh_reuse');
      }
      await recordAuthEvent(ctx.db, {
        subjectType: outcome.record.subjectType,
        subjectId: outcome.record.subjectId,
        eventType: 'refresh_reuse',
        success: false,
        tenantCode: outcome.record.tenantCode,
        client,
        details: { familyId: outcome.record.familyId },
      });
      throw new AppError(
        ErrorCode.RefreshTokenReused,
        401,
        'Refresh token was already used; every session of this sign-in has been revoked. Sign in again.',
      );
    case 'rotated':
      await recordAuthEvent(ctx.db, {
        subjectType: outcome.record.subjectType,
        subjectId: outcome.record.subjectId,
        eventType: 'refresh',
        tenantCode: outcome.record.tenantCode,
        client,
        details: { familyId: outcome.record.familyId },
      });
      return { record: outcome.record, refreshToken: outcome.refreshToken };
  }
}

/**
 * Signs out (docs/security.md, "Sessions and revocation"). With a refresh token (body or cookie):
 * ends the access token's sign-in and, when it belongs to the caller, the refresh token's: their
 * refresh families, the tenant-scoped families switch-tenant derived from them, and every access
 * token they issued. Without one: signs out everywhere (every refresh token of the caller, and
 * every access token issued so far). A refresh token of someone else is ignored.
 */
export async function signOut(
  ctx: AppContext,
  subject: { type: SubjectType; id: number },
  access: { jti: string; sid?: string; tenant?: string },
  refreshToken: string | undefined,
  client: ClientInfo,
): Promise<{ revokedRefreshTokens: number }> {
  let revoked = 0;
  const signIns = [access.sid ?? access.jti];
  if (refreshToken) {
    const record = await findRefreshTokenByHash(ctx.db, sha256(refreshToken));
    if (record && record.subjectType === subject.type && record.subjectId === subject.id) signIns.push(record.sessionId);
    for (const sessionId of new Set(signIns)) revoked += await revokeSignInRefreshTokens(ctx.db, sessionId, RevokeReason.logout);
    await revokeSignIns(ctx, subject, signIns, 'logout');
  } else {
    revoked = await revokeSubjectRefreshTokens(ctx.db, subject.type, subject.id, RevokeReason.logout);
    await revokeSignIns(ctx, subject, signIns, 'logout_everywhere');
    await refuseEarlierTokens(ctx, subject, 'logout_everywhere');
  }
  await recordAuthEvent(ctx.db, {
    subjectType: subject.type,
    subjectId: subject.id,
    eventType: 'logout',
    tenantCode: access.tenant ?? null,
    client,
    details: { revokedRefreshTokens: revoked, everywhere: !refreshToken },
  });
  return { revokedRefreshTokens: revoked };
}

function subjectOf(record: RefreshTokenRecord): { type: SubjectType; id: number } {
  return { type: record.subjectType, id: record.subjectId };
}

function toSubject(record: RefreshTokenRecord): RefreshSubject {
  return { type: record.subjectType, id: record.subjectId, tenantCode: record.tenantCode };
}
