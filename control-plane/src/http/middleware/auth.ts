import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ErrorCode, errors, type AdminClaims, type AdminRole, type UserClaims } from '@kg/shared';
import type { AppContext } from '../../context';

declare module 'express-serve-static-core' {
  interface Request {
    admin?: AdminClaims;
    user?: UserClaims;
    /** The raw bearer token of the request, when one was verified. */
    accessToken?: string;
  }
}

const ROLE_RANK: Record<AdminRole, number> = { operator: 1, admin: 2, super_admin: 3 };

/** Extracts a bearer token or throws 401. */
export function bearerToken(req: Request): string {
  const header = req.headers.authorization;
  if (!header || !header.startsWith('Bearer ')) throw errors.unauthorized('Missing bearer token');
  const token = header.slice('Bearer '.length).trim();
  if (!token) throw errors.unauthorized('Missing bearer token');
  return token;
}

function wrap(fn: (req: Request) => Promise<void>): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    fn(req).then(() => next(), next);
  };
}

/**
 * Requires an admin token of an active admin whose role, as the control database says now, is at
 * least `minRole` (operator < admin < super_admin). The token's role claim is not trusted: a
 * demoted or suspended admin's earlier tokens are refused anyway (docs/security.md, "Sessions and
 * revocation"), and `req.admin.role` is the current role. A user token is refused (wrong audience).
 */
export function requireAdmin(ctx: AppContext, minRole: AdminRole = 'operator'): RequestHandler {
  return wrap(async (req) => {
    const token = bearerToken(req);
    const claims = await ctx.tokens.verifyAdmin(token);
    const standing = await ctx.admins.standing(claims.sub);
    if (!standing) throw errors.unauthorized('This account no longer exists', ErrorCode.TokenRevoked);
    if (standing.status !== 'active') throw errors.forbidden('This account is disabled', ErrorCode.AccountDisabled);
    if (ROLE_RANK[standing.role] < ROLE_RANK[minRole]) {
      throw errors.forbidden(`This action needs the ${minRole} role`, ErrorCode.Forbidden);
    }
    req.admin = { ...claims, role: standing.role };
    req.accessToken = token;
  });
}

/**
 * Requires a global-user token (an admin token is refused: wrong audience). A token obtained with
 * a one-time password is refused with 403 PASSWORD_CHANGE_REQUIRED unless the route says
 * `passwordChangePending: 'allow'` (change-password, me and logout).
 */
export function requireUser(ctx: AppContext, opts: { passwordChangePending?: 'allow' | 'refuse' } = {}): RequestHandler {
  const allowPending = opts.passwordChangePending === 'allow';
  return wrap(async (req) => {
    const token = bearerToken(req);
    const claims = await ctx.tokens.verifyUser(token);
    if (claims.mustChangePassword && !allowPending) {
      throw errors.forbidden('Change your one-time password first (POST /api/auth/change-password)', ErrorCode.PasswordChangeRequired);
    }
    req.user = claims;
    req.accessToken = token;
  });
}

/** Client IP and user agent for logs (respects TRUST_PROXY through req.ip). */
export function clientInfo(req: Request): { ip: string | null; userAgent: string | null } {
  const ua = req.headers['user-agent'];
  return { ip: req.ip ?? null, userAgent: typeof ua === 'string' ? ua.slice(0, 500) : null };
}
