import type { Request, RequestHandler } from 'express';
import { ErrorCode, errors, type UserClaims } from '@kg/shared';
import type { AppContext } from '../../context';
import type { TenantUser } from '../../modules/access/access.repository';

export interface RequestAuth {
  claims: UserClaims;
  user: TenantUser;
  /** The raw bearer token (forwarded to the AI bridge on the user's behalf). */
  token: string;
  permissions: ReadonlySet<string>;
}

declare module 'express-serve-static-core' {
  interface Request {
    auth?: RequestAuth;
  }
}

/** Extracts a bearer token or throws 401. */
export function bearerToken(req: Request): string {
  const header = req.headers.authorization;
  if (!header || !header.startsWith('Bearer ')) throw errors.unauthorized('Missing bearer token');
  const token = header.slice('Bearer '.length).trim();
  if (!token) throw errors.unauthorized('Missing bearer token');
  return token;
}

/**
 * Authenticates the request inside its (already resolved) tenant: a global-user token verified
 * with the control plane's JWKS (admin tokens fail on audience), a tenant-scoped token only for
 * its own tenant, an active relation to the tenant and an active tenant-local account (403 otherwise).
 */
export function authenticate(ctx: AppContext): RequestHandler {
  return async (req, _res, next) => {
    try {
      const tenant = req.tenant;
      if (!tenant || !req.tenantDb) throw errors.internal('authenticate() needs resolveTenant() first');
      const token = bearerToken(req);
      const claims = await ctx.verifier.verifyUser(token);
      if (claims.tenant !== undefined && claims.tenant !== tenant.code) {
        throw errors.forbidden(`This token is for kindergarten ${claims.tenant}`, ErrorCode.NotBoundToTenant);
      }
      const user = await ctx.access.authorize(req.tenantDb, claims.sub);
      req.auth = { claims, user, token, permissions: user.permissionSet };
      next();
    } catch (err) {
      next(err);
    }
  };
}

export type PermissionAction = 'read' | 'write' | 'delete';

/** Requires the permission `<resource>:<action>` from the tenant's own RBAC tables. */
export function requirePermission(resource: string, action: PermissionAction): RequestHandler {
  const code = `${resource}:${action}`;
  return (req, _res, next) => {
    if (!req.auth) return next(errors.unauthorized());
    if (!req.auth.permissions.has(code)) {
      return next(errors.forbidden(`You need the ${code} permission`, ErrorCode.Forbidden));
    }
    next();
  };
}
