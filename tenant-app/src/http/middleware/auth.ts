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
 * with the control plane's JWKS (admin tokens fail on audience) and not revoked, a tenant-scoped
 * token only for its own tenant, no token from a one-time password (403 PASSWORD_CHANGE_REQUIRED:
 * it serves only the control plane's change-password, me and logout), an active relation to the
 * tenant and an active tenant-local account (403 otherwise).
 */
export function authenticate(ctx: AppContext): RequestHandler {
  const checkScope = (claims: UserClaims, tenantCode: string) => {
    if (claims.tenant !== undefined && claims.tenant !== tenantCode) {
      throw errors.forbidden(`This token is for kindergarten ${claims.tenant}`, ErrorCode.NotBoundToTenant);
    }
    if (claims.mustChangePassword) {
      throw errors.forbidden('Change your one-time password first', ErrorCode.PasswordChangeRequired);
    }
  };
  const slow = async (req: Request, token: string) => {
    const claims = await ctx.verifier.verifyUser(token);
    checkScope(claims, req.tenant!.tenantCode);
    const user = await ctx.access.authorize(req.tenantDb!, claims.sub);
    req.auth = { claims, user, token, permissions: user.permissionSet };
  };
  return (req, _res, next) => {
    let token: string;
    try {
      if (!req.tenant || !req.tenantDb) throw errors.internal('authenticate() needs resolveTenant() first');
      token = bearerToken(req);
      // A token seen before and a user whose access is cached are decided synchronously; anything
      // else (first sight, Redis or the databases must be asked) takes the asynchronous path.
      const claims = ctx.verifier.peekUser(token);
      if (claims) {
        checkScope(claims, req.tenant.tenantCode);
        const user = ctx.access.peek(req.tenantDb, claims.sub);
        if (user) {
          req.auth = { claims, user, token, permissions: user.permissionSet };
          return next();
        }
      }
    } catch (err) {
      return next(err);
    }
    slow(req, token).then(() => next(), next);
  };
}

export type PermissionAction = 'read' | 'write' | 'delete';

/** Requires the permission `<resource>:<action>` from the tenant's own RBAC tables. */
export function requirePermission(resource: string, action: PermissionAction): RequestHandler {
  const permission = `${resource}:${action}`;
  return (req, _res, next) => {
    if (!req.auth) return next(errors.unauthorized());
    if (!req.auth.permissions.has(permission)) {
      return next(errors.forbidden(`You need the ${permission} permission`, ErrorCode.Forbidden));
    }
    next();
  };
}
