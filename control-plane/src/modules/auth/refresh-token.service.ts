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
  revokeSubjectRefreshTokens,
  type RefreshTokenRecord,
} from './refresh-token.repository';

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

/**
 * Creates a refresh token (opaque random, stored as SHA-256) in `familyId`, or in a new family
 * when none is given (a new sign-in). Returns the token to hand to the client once.
 */
export async function issueRefreshToken(
  ctx: AppContext,
  db: Connection,
  subject: RefreshSubject,
  client: ClientInfo,
  familyId: string = crypto.randomUUID(),
): Promise<{ refreshToken: string; id: number; familyId: string }> {
  const refreshToken = randomToken(32);
  const id = await insertRefreshToken(db, {
    tokenHash: sha256(refreshToken),
    familyId,
    subjectType: subject.type,
    subjectId: subject.id,
    tenantCode: subject.tenantCode,
    ttlSeconds: ctx.config.REFRESH_TOKEN_TTL_SECONDS,
    ip: client.ip,
    userAgent: client.userAgent,
  });
  return { refreshToken, id, familyId };
}

/**
 * Re-checks, inside the rotation transaction, that the session may continue (account still
 * enabled, tenant still bound and active). Throwing refuses the refresh and changes nothing.
 */
export type RefreshCheck = (record: RefreshTokenRecord, conn: PoolConnection) => Promise<void>;

type Outcome =
  | { kind: 'unknown' }
  | { kind: 'revoked' | 'expired' | 'reused'; record: RefreshTokenRecord }
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
        await revokeRefreshFamily(conn, record.familyId, RevokeReason.reuse);
        await recordSecurityEvent(conn, {
          eventType: 'refresh_token_reuse',
          severity: 'high',
          subjectType: record.subjectType,
          subjectId: record.subjectId,
          tenantCode: record.tenantCode,
          ip: client.ip,
          details: { familyId: record.familyId, tokenId: record.id, userAgent: client.userAgent },
        });
        return { kind: 'reused', record };
      }
      if (record.status === 'revoked') return { kind: 'revoked', record };
      if (record.expired) return { kind: 'expired', record };
      await check(record, conn);
      const next = await issueRefreshToken(ctx, conn, toSubject(record), client, record.familyId);
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
 * Signs out (docs/auth.md, "Sign-out and revocation"): revokes the given refresh token's family
 * when it belongs to the caller, or every live refresh token of the caller when none is given, and
 * the access token's `jti` until it expires. A refresh token of someone else is ignored.
 */
export async function signOut(
  ctx: AppContext,
  subject: { type: SubjectType; id: number },
  access: { jti: string; exp: number; tenant?: string },
  refreshToken: string | undefined,
  client: ClientInfo,
): Promise<{ revokedRefreshTokens: number }> {
  let revoked = 0;
  if (refreshToken) {
    const record = await findRefreshTokenByHash(ctx.db, sha256(refreshToken));
    if (record && record.subjectType === subject.type && record.subjectId === subject.id) {
      revoked = await revokeRefreshFamily(ctx.db, record.familyId, RevokeReason.logout);
    }
  } else {
    revoked = await revokeSubjectRefreshTokens(ctx.db, subject.type, subject.id, RevokeReason.logout);
  }
  await ctx.tokens.revokeJti(access.jti, access.exp);
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

function toSubject(record: RefreshTokenRecord): RefreshSubject {
  return { type: record.subjectType, id: record.subjectId, tenantCode: record.tenantCode };
}
