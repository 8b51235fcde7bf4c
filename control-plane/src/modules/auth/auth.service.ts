import crypto from 'node:crypto';
import { ErrorCode, errors, type Connection, type UserClaims } from '@kg/shared';
import type { AppContext } from '../../context';
import { hashWithinLimits, verifyWithinLimits } from '../../internal/password-hashing';
import { recordAuthEvent, type ClientInfo } from './auth-log.repository';
import {
  clearExpiredGlobalUserLock,
  findGlobalUserById,
  findGlobalUserByPhone,
  insertGlobalUser,
  recordGlobalUserFailedLogin,
  recordGlobalUserSuccessfulLogin,
  updateGlobalUserPassword,
  type GlobalUser,
  type GlobalUserStatus,
} from './global-user.repository';
import { verifySmsCode } from '../sms/sms.service';
import { checkPasswordSignIn, type LockoutBook } from './password-sign-in';
import { issueRefreshToken, rotateRefreshToken, signOut } from './refresh-token.service';
import { revokeSubjectRefreshTokens } from './refresh-token.repository';
import { findTenant, findTenantsByCode, type Tenant, type TenantStatus } from '../tenants/tenant.repository';
import { findActiveBindingsOfUser, findBinding, recordTenantLogin, type TenantBinding } from './tenant-binding.repository';
import { refuseEarlierTokens } from '../sessions/session-revocation.service';

export interface UserTenant {
  tenantCode: string;
  tenantName: string;
  domain: string;
  role: string;
  status: TenantStatus;
  lastLoginAt: string | null;
}

export interface TokenPair {
  token: string;
  refreshToken: string;
  expiresIn: number;
}

export interface UserLoginResult extends TokenPair {
  globalUserId: number;
  phone: string;
  realName: string;
  /** True until a user created with a one-time password sets their own (POST /api/auth/change-password). */
  mustChangePassword: boolean;
  tenants: UserTenant[];
}

const DISABLED: ReadonlySet<GlobalUserStatus> = new Set(['suspended', 'deleted']);

function lockoutBook(ctx: AppContext): LockoutBook {
  const policy = { maxAttempts: ctx.config.AUTH_MAX_FAILED_ATTEMPTS, lockMinutes: ctx.config.AUTH_LOCKOUT_MINUTES };
  return {
    clearExpiredLock: (id) => clearExpiredGlobalUserLock(ctx.db, id),
    recordFailure: (id) => recordGlobalUserFailedLogin(ctx.db, id, policy),
    recordSuccess: (id) => recordGlobalUserSuccessfulLogin(ctx.db, id),
  };
}

/**
 * Creates a global user (phone sign-in) once the caller proved they hold the phone: the SMS code
 * sent for purpose `register` is checked (and spent) first. Only then is a registered phone
 * answered 409, so whether a phone exists is told to its holder alone (docs/security.md,
 * Identifiers).
 */
export async function registerUser(
  ctx: AppContext,
  input: { phone: string; password: string; realName: string; email?: string; smsCode: string },
  client: ClientInfo,
): Promise<{ globalUserId: number; phone: string; realName: string }> {
  const duplicate = () =>
    errors.conflict('This phone number is already registered', ErrorCode.Conflict, [
      { field: 'phone', message: 'is already registered' },
    ]);
  await verifySmsCode(ctx, { phone: input.phone, purpose: 'register', code: input.smsCode, field: 'smsCode' });
  if (await findGlobalUserByPhone(ctx.db, input.phone)) throw duplicate();
  const passwordHash = await hashWithinLimits(ctx, input.password);
  let globalUserId: number;
  try {
    globalUserId = await insertGlobalUser(ctx.db, {
      phone: input.phone,
      passwordHash,
      realName: input.realName,
      email: input.email ?? null,
      registrationSource: 'web',
    });
  } catch (err) {
    // Two registrations of one phone racing: the unique key decides.
    if ((err as { code?: string }).code === 'ER_DUP_ENTRY') throw duplicate();
    throw err;
  }
  await recordAuthEvent(ctx.db, { subjectType: 'user', subjectId: globalUserId, eventType: 'register', client });
  return { globalUserId, phone: input.phone, realName: input.realName };
}

/** Phone + password sign-in: a token pair (new refresh family) and the tenants to pick from. */
export async function loginUser(
  ctx: AppContext,
  input: { phone: string; password: string },
  client: ClientInfo,
): Promise<UserLoginResult> {
  const user = await findGlobalUserByPhone(ctx.db, input.phone);
  await checkPasswordSignIn(ctx, {
    subjectType: 'user',
    identifier: input.phone,
    identifierLabel: 'phone number',
    account: user && { ...user, enabled: !DISABLED.has(user.status) },
    password: input.password,
    book: lockoutBook(ctx),
    client,
  });
  const signedIn = user!;
  const { refreshToken, sessionId } = await issueRefreshToken(ctx, ctx.db, { type: 'user', id: signedIn.id, tenantCode: null }, client);
  const access = ctx.tokens.signUser({
    id: signedIn.id,
    phone: signedIn.phone,
    sessionId,
    mustChangePassword: signedIn.mustChangePassword,
  });
  const tenants = await listUserTenants(ctx, signedIn.id);
  await recordAuthEvent(ctx.db, { subjectType: 'user', subjectId: signedIn.id, eventType: 'login', client });
  return {
    globalUserId: signedIn.id,
    phone: signedIn.phone,
    realName: signedIn.realName,
    mustChangePassword: signedIn.mustChangePassword,
    token: access.token,
    refreshToken,
    expiresIn: access.expiresIn,
    tenants,
  };
}

/**
 * Rotates a user's refresh token. The account must still be enabled; a tenant-scoped family
 * keeps its tenant only while the user is still bound to it and the tenant is active.
 */
export async function refreshUserSession(ctx: AppContext, presented: string, client: ClientInfo): Promise<TokenPair> {
  let user: GlobalUser | undefined;
  let role: string | undefined;
  const rotated = await rotateRefreshToken(ctx, presented, 'user', client, async (record, conn) => {
    user = await findGlobalUserById(conn, record.subjectId);
    if (!user) throw errors.unauthorized('Refresh token is not valid', ErrorCode.TokenInvalid);
    if (DISABLED.has(user.status)) throw errors.forbidden('This account is disabled', ErrorCode.AccountDisabled);
    if (record.tenantCode) role = usableTenant(...(await tenantAndBinding(conn, user.id, record.tenantCode))).role;
  });
  const tenant = rotated.record.tenantCode ?? undefined;
  const access = ctx.tokens.signUser({
    id: user!.id,
    phone: user!.phone,
    tenant,
    role,
    sessionId: rotated.record.sessionId,
    mustChangePassword: user!.mustChangePassword,
  });
  return { token: access.token, refreshToken: rotated.refreshToken, expiresIn: access.expiresIn };
}

/** Signs a user out: the given refresh family (or all of theirs) and this access token. */
export function logoutUser(ctx: AppContext, claims: UserClaims, refreshToken: string | undefined, client: ClientInfo) {
  return signOut(ctx, { type: 'user', id: Number(claims.sub) }, claims, refreshToken, client);
}

/** The signed-in user's profile; `tenant` and `role` when the token is tenant-scoped. */
export async function getUserProfile(ctx: AppContext, claims: UserClaims) {
  const user = await findGlobalUserById(ctx.db, Number(claims.sub));
  if (!user) throw errors.notFound('User not found', ErrorCode.UserNotFound);
  return {
    globalUserId: user.id,
    phone: user.phone,
    realName: user.realName,
    email: user.email,
    status: user.status,
    ...(claims.tenant ? { tenant: claims.tenant, role: claims.role } : {}),
  };
}

const GONE: ReadonlySet<TenantStatus> = new Set(['deleted', 'purged']);

/**
 * The tenants the user may sign in to (the tenant picker): active bindings to tenants that are
 * not deleted or purged, most recently used first.
 */
export async function listUserTenants(ctx: AppContext, globalUserId: number): Promise<UserTenant[]> {
  const bindings = await findActiveBindingsOfUser(ctx.db, globalUserId);
  const tenants = await findTenantsByCode(ctx.db, bindings.map((b) => b.tenantCode));
  return bindings.flatMap((b) => {
    const t = tenants.get(b.tenantCode);
    if (!t || GONE.has(t.status) || t.deletedAt !== null) return [];
    return [
      {
        tenantCode: t.tenantCode,
        tenantName: t.name,
        domain: t.domain,
        role: b.role,
        status: t.status,
        lastLoginAt: b.lastLoginAt ? b.lastLoginAt.toISOString() : null,
      },
    ];
  });
}

/** The tenant and the user's binding to it; either may be missing. */
async function tenantAndBinding(
  db: Connection,
  globalUserId: number,
  tenantCode: string,
): Promise<[Tenant | null, TenantBinding | null]> {
  return [await findTenant(db, tenantCode), await findBinding(db, globalUserId, tenantCode)];
}

/**
 * Issues a tenant-scoped token pair (claims `tenant` and `role`) for a tenant the user is bound
 * to, and counts the sign-in on the binding.
 */
export async function switchTenant(ctx: AppContext, claims: UserClaims, tenantCode: string, client: ClientInfo) {
  const user = await findGlobalUserById(ctx.db, Number(claims.sub));
  if (!user) throw errors.unauthorized('User no longer exists', ErrorCode.TokenInvalid);
  if (DISABLED.has(user.status)) throw errors.forbidden('This account is disabled', ErrorCode.AccountDisabled);
  const { tenant, role } = usableTenant(...(await tenantAndBinding(ctx.db, user.id, tenantCode)));
  await recordTenantLogin(ctx.db, user.id, tenant.tenantCode);
  // A new family within the caller's sign-in: logging out of the sign-in ends this one too.
  const { refreshToken, sessionId } = await issueRefreshToken(
    ctx,
    ctx.db,
    { type: 'user', id: user.id, tenantCode: tenant.tenantCode },
    client,
    { familyId: crypto.randomUUID(), sessionId: claims.sid ?? crypto.randomUUID() },
  );
  const signed = ctx.tokens.signUser({ id: user.id, phone: user.phone, tenant: tenant.tenantCode, role, sessionId });
  await recordAuthEvent(ctx.db, {
    subjectType: 'user',
    subjectId: user.id,
    eventType: 'switch_tenant',
    tenantCode: tenant.tenantCode,
    client,
    details: { role },
  });
  return {
    token: signed.token,
    refreshToken,
    expiresIn: signed.expiresIn,
    tenant: { tenantCode: tenant.tenantCode, tenantName: tenant.name, domain: tenant.domain, role },
  };
}

/**
 * The tenant and role when the user may work in it: the tenant exists (404), the user is bound
 * (403 NOT_BOUND_TO_TENANT, checked before the tenant's state so non-members learn nothing
 * more), and the tenant is active (403 suspended or not ready, 410 deleted).
 */
function usableTenant(tenant: Tenant | null, binding: TenantBinding | null): { tenant: Tenant; role: string } {
  if (!tenant) throw errors.notFound('Tenant not found', ErrorCode.TenantNotFound);
  if (!binding || binding.status !== 'active') {
    throw errors.forbidden('You are not a member of this tenant', ErrorCode.NotBoundToTenant);
  }
  switch (tenant.status) {
    case 'active':
      return { tenant, role: binding.role };
    case 'suspended':
    case 'inactive':
      throw errors.forbidden('This tenant is suspended', ErrorCode.TenantSuspended);
    case 'deleted':
    case 'purged':
      throw errors.gone('This tenant has been deleted', ErrorCode.TenantDeleted);
    default:
      // provisioning or failed: not usable yet.
      throw errors.forbidden('This tenant is not ready yet', ErrorCode.TenantNotReady);
  }
}

/**
 * Sets a new password after checking the current one (a one-time password from provisioning
 * included). Every session of the user ends, this one included: their refresh tokens are revoked
 * and every access token issued so far is refused on every instance; the user signs in again.
 */
export async function changeUserPassword(
  ctx: AppContext,
  claims: UserClaims,
  input: { currentPassword: string; newPassword: string },
  client: ClientInfo,
): Promise<{ changed: true; revokedRefreshTokens: number }> {
  const user = await findGlobalUserById(ctx.db, Number(claims.sub));
  if (!user || DISABLED.has(user.status)) throw errors.unauthorized('Account not available', ErrorCode.InvalidCredentials);
  if (!(await verifyWithinLimits(ctx, input.currentPassword, user.passwordHash))) {
    throw errors.unauthorized('The current password is wrong', ErrorCode.InvalidCredentials);
  }
  if (input.currentPassword === input.newPassword) {
    throw errors.validation([{ field: 'newPassword', message: 'must differ from the current password' }]);
  }
  const hash = await hashWithinLimits(ctx, input.newPassword);
  await updateGlobalUserPassword(ctx.db, user.id, hash);
  const revoked = await revokeSubjectRefreshTokens(ctx.db, 'user', user.id, 'password_change');
  await refuseEarlierTokens(ctx, { type: 'user', id: user.id }, 'password_change');
  await recordAuthEvent(ctx.db, { subjectType: 'user', subjectId: user.id, eventType: 'password_change', client });
  return { changed: true, revokedRefreshTokens: revoked };
}
