import crypto from 'node:crypto';
import { ErrorCode, errors, type UserClaims } from '@kg/shared';
import type { AppContext } from '../../context';
import type { ClientInfo } from './auth-log.repository';
import { switchTenant } from './auth.service';
import { findBinding } from './tenant-binding.repository';

/** How long a hand-off code can be redeemed. */
export const HANDOFF_TTL_SECONDS = 60;

const key = (ctx: AppContext, code: string) =>
  `${ctx.config.REDIS_KEY_PREFIX}handoff:${crypto.createHash('sha256').update(code).digest('hex')}`;

/**
 * Starts a hand-off of the caller's sign-in to another tenant's subdomain (docs/staff-app.md,
 * "Tenant picker"): the refresh cookie belongs to one host, so the browser carries a code
 * instead, in the URL fragment (never sent to a server, never logged). 32 random bytes, stored in
 * Redis only as a hash, valid 60 s, redeemable once, only for that tenant.
 */
export async function startHandoff(ctx: AppContext, claims: UserClaims, tenantCode: string): Promise<{ code: string; expiresIn: number }> {
  const binding = await findBinding(ctx.db, Number(claims.sub), tenantCode);
  if (!binding || binding.status !== 'active') throw errors.forbidden(`You are not a member of tenant ${tenantCode}`, ErrorCode.NotBoundToTenant);
  const code = crypto.randomBytes(32).toString('base64url');
  const value = JSON.stringify({ sub: claims.sub, phone: claims.phone, sid: claims.sid ?? null, tenantCode });
  await ctx.redis.set(key(ctx, code), value, 'EX', HANDOFF_TTL_SECONDS);
  return { code, expiresIn: HANDOFF_TTL_SECONDS };
}

/**
 * Redeems a hand-off code on the tenant's subdomain: a tenant-scoped token pair within the same
 * sign-in (logging out ends it too), exactly as switch-tenant issues it. A code works once.
 */
export async function redeemHandoff(ctx: AppContext, code: string, client: ClientInfo) {
  const k = key(ctx, code);
  const results = await ctx.redis.multi().get(k).del(k).exec();
  const raw = results?.[0]?.[1];
  if (typeof raw !== 'string') throw errors.unauthorized('This sign-in link has expired; sign in again', ErrorCode.TokenInvalid);
  const saved = JSON.parse(raw) as { sub: string; phone: string; sid: string | null; tenantCode: string };
  const claims = { typ: 'user', sub: saved.sub, phone: saved.phone, ...(saved.sid ? { sid: saved.sid } : {}) } as UserClaims;
  return switchTenant(ctx, claims, saved.tenantCode, client);
}
