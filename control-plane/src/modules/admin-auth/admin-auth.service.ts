import { ErrorCode, errors, type AdminClaims, type AdminRole } from '@kg/shared';
import type { AppContext } from '../../context';
import { recordAuthEvent, type ClientInfo } from '../auth/auth-log.repository';
import { checkPasswordSignIn, type LockoutBook } from '../auth/password-sign-in';
import { issueRefreshToken, rotateRefreshToken, signOut } from '../auth/refresh-token.service';
import {
  clearExpiredAdminLock,
  findAdminById,
  findAdminByUsername,
  recordAdminFailedLogin,
  recordAdminSuccessfulLogin,
  type AdminUser,
} from '../admins/admin.repository';

export interface AdminSession {
  token: string;
  refreshToken: string;
  expiresIn: number;
  admin: { id: number; username: string; role: AdminRole };
}

function lockoutBook(ctx: AppContext): LockoutBook {
  const policy = { maxAttempts: ctx.config.AUTH_MAX_FAILED_ATTEMPTS, lockMinutes: ctx.config.AUTH_LOCKOUT_MINUTES };
  return {
    clearExpiredLock: (id) => clearExpiredAdminLock(ctx.db, id),
    recordFailure: (id) => recordAdminFailedLogin(ctx.db, id, policy),
    recordSuccess: (id) => recordAdminSuccessfulLogin(ctx.db, id),
  };
}

function session(ctx: AppContext, admin: AdminUser, refresh: { refreshToken: string; sessionId: string }): AdminSession {
  const { refreshToken, sessionId } = refresh;
  const access = ctx.tokens.signAdmin({ id: admin.id, username: admin.username, role: admin.role, sessionId });
  return {
    token: access.token,
    refreshToken,
    expiresIn: access.expiresIn,
    admin: { id: admin.id, username: admin.username, role: admin.role },
  };
}

/** Username + password sign-in for operators; same lockout policy as tenant users. */
export async function loginAdmin(
  ctx: AppContext,
  input: { username: string; password: string },
  client: ClientInfo,
): Promise<AdminSession> {
  const admin = await findAdminByUsername(ctx.db, input.username);
  await checkPasswordSignIn(ctx, {
    subjectType: 'admin',
    identifier: input.username,
    identifierLabel: 'username',
    account: admin && { ...admin, enabled: admin.status === 'active' },
    password: input.password,
    book: lockoutBook(ctx),
    client,
  });
  const signedIn = admin!;
  const refresh = await issueRefreshToken(ctx, ctx.db, { type: 'admin', id: signedIn.id, tenantCode: null }, client);
  await recordAuthEvent(ctx.db, { subjectType: 'admin', subjectId: signedIn.id, eventType: 'login', client });
  return session(ctx, signedIn, refresh);
}

/** Rotates an admin refresh token; the admin must still be active, and the new token carries their current role. */
export async function refreshAdminSession(ctx: AppContext, presented: string, client: ClientInfo): Promise<AdminSession> {
  let admin: AdminUser | undefined;
  const rotated = await rotateRefreshToken(ctx, presented, 'admin', client, async (record, conn) => {
    admin = await findAdminById(conn, record.subjectId);
    if (!admin) throw errors.unauthorized('Refresh token is not valid', ErrorCode.TokenInvalid);
    if (admin.status !== 'active') throw errors.forbidden('This account is disabled', ErrorCode.AccountDisabled);
  });
  return session(ctx, admin!, { refreshToken: rotated.refreshToken, sessionId: rotated.record.sessionId });
}

/** Signs an operator out: the given refresh family (or all of theirs) and this access token. */
export function logoutAdmin(ctx: AppContext, claims: AdminClaims, refreshToken: string | undefined, client: ClientInfo) {
  return signOut(ctx, { type: 'admin', id: Number(claims.sub) }, claims, refreshToken, client);
}

/** The signed-in operator. */
export async function getAdminProfile(ctx: AppContext, claims: AdminClaims) {
  const admin = await findAdminById(ctx.db, Number(claims.sub));
  if (!admin) throw errors.notFound('Admin not found', ErrorCode.UserNotFound);
  return {
    id: admin.id,
    username: admin.username,
    email: admin.email,
    role: admin.role,
    status: admin.status,
    lastLoginAt: admin.lastLoginAt ? admin.lastLoginAt.toISOString() : null,
  };
}
