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
 * Requires an admin token whose role is at least `minRole`
 * (operator < admin < super_admin). A user token is refused (wrong audience).
 */
export function requireAdmin(ctx: AppContext, minRole: AdminRole = 'operator'): RequestHandler {
  return wrap(async (req) => {
    const token = bearerToken(req);
    const claims = await ctx.tokens.verifyAdmin(token);
    if (ROLE_RANK[claims.role] < ROLE_RANK[minRole]) {
      throw errors.forbidden(`This action needs the ${minRole} role`, ErrorCode.Forbidden);
    }
    req.admin = claims;
    req.accessToken = token;
  });
}

/** Requires a global-user token (an admin token is refused: wrong audience). */
export function requireUser(ctx: AppContext): RequestHandler {
  return wrap(async (req) => {
    const token = bearerToken(req);
    req.user = await ctx.tokens.verifyUser(token);
    req.accessToken = token;
  });
}

/** Client IP and user agent for logs (respects TRUST_PROXY through req.ip). */
export function clientInfo(req: Request): { ip: string | null; userAgent: string | null } {
  const ua = req.headers['user-agent'];
  return { ip: req.ip ?? null, userAgent: typeof ua === 'string' ? ua.slice(0, 500) : null };
}
