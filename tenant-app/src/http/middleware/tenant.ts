import type { NextFunction, Request, RequestHandler } from 'express';
import { AppError, ErrorCode, errors, isTenantCode } from '@kg/shared';
import type { AppContext } from '../../context';
import type { TenantDb } from '../../internal/db/tenant-db';
import type { TenantRecord } from '../../modules/tenancy/tenant.registry';
import { bearerToken } from './auth';

declare module 'express-serve-static-core' {
  interface Request {
    tenant?: TenantRecord;
    /** The request's tenant database: the only database a handler can reach. */
    tenantDb?: TenantDb;
  }
}

const PORT = /^\d+$/;

/** The tenant code named by the Host subdomain `{tenantCode}.{BASE_DOMAIN}`, if any. */
export function tenantFromHost(host: string | undefined, baseDomain: string): string | undefined {
  if (!host) return undefined;
  let name = host.toLowerCase();
  const colon = name.lastIndexOf(':');
  if (colon >= 0 && PORT.test(name.slice(colon + 1))) name = name.slice(0, colon);
  if (name.endsWith('.')) name = name.slice(0, -1);
  const domain = baseDomain.toLowerCase();
  if (name.length <= domain.length + 1 || !name.endsWith(domain) || name[name.length - domain.length - 1] !== '.') return undefined;
  const label = name.slice(0, name.length - domain.length - 1);
  return isTenantCode(label) ? label : undefined;
}

/**
 * The tenant code a request names, from X-Tenant-Code and/or the Host subdomain (X-Forwarded-Host
 * only behind a trusted proxy, as Express's req.hostname).
 */
export function requestedTenant(req: Request, baseDomain: string, trustProxy = false): string {
  const raw = req.headers['x-tenant-code'];
  const header = typeof raw === 'string' && raw.trim() ? raw.trim().toLowerCase() : undefined;
  if (header !== undefined && !isTenantCode(header)) {
    throw errors.badRequest('X-Tenant-Code is not a tenant code (k followed by digits)', ErrorCode.BadRequest, {
      field: 'X-Tenant-Code',
    });
  }
  const fromHost = tenantFromHost(trustProxy ? req.hostname : req.headers.host, baseDomain);
  if (header && fromHost && header !== fromHost) {
    throw errors.badRequest(
      `X-Tenant-Code (${header}) and the subdomain (${fromHost}) name different tenants`,
      ErrorCode.TenantConflict,
    );
  }
  const tenantCode = header ?? fromHost;
  if (!tenantCode) throw errors.badRequest('No tenant: send X-Tenant-Code or use the tenant subdomain', ErrorCode.BadRequest);
  return tenantCode;
}

/**
 * Maps a tenant's lifecycle status to its answer (null when it may be served); the table is in
 * docs/request-path.md, Tenant resolution.
 */
export function refusalFor(tenant: TenantRecord): AppError | null {
  switch (tenant.status) {
    case 'active':
      // No database account yet (created before accounts existed and not migrated): never served
      // with a broader account (docs/privileges.md, Tenant database users).
      return tenant.login ? null : new AppError(ErrorCode.TenantNotReady, 503, `Kindergarten ${tenant.tenantCode} is not available`);
    case 'suspended':
    case 'inactive':
      return errors.forbidden(`Kindergarten ${tenant.tenantCode} is suspended`, ErrorCode.TenantSuspended);
    case 'deleted':
    case 'purged':
      return errors.gone(`Kindergarten ${tenant.tenantCode} has been deleted`, ErrorCode.TenantDeleted);
    case 'provisioning':
      return new AppError(ErrorCode.TenantNotReady, 503, `Kindergarten ${tenant.tenantCode} is still being set up`, {
        headers: { 'Retry-After': '5' },
      });
    default:
      // failed (or any status this version does not know): not servable until an operator acts.
      return new AppError(ErrorCode.TenantNotReady, 503, `Kindergarten ${tenant.tenantCode} is not available`);
  }
}

/**
 * Resolves the request's tenant (docs/request-path.md, Tenant resolution): X-Tenant-Code or Host
 * `{tenantCode}.{BASE_DOMAIN}`, both present and different -> 400 TENANT_CONFLICT; unknown -> 404
 * TENANT_NOT_FOUND; suspended -> 403 TENANT_SUSPENDED; deleted or purged -> 410 TENANT_DELETED;
 * provisioning or failed -> 503 TENANT_NOT_READY. Attaches the tenant and its request-scoped
 * database handle.
 *
 * Those refusals tell whether a tenant exists and what state it is in, so they go only to a
 * request with a valid user token; before sign-in every tenant answers the same 401
 * (docs/security.md, Identifiers).
 */
export function resolveTenant(ctx: AppContext): RequestHandler {
  const admit = (req: Request, tenantCode: string, tenant: TenantRecord | null) => {
    if (!tenant) throw errors.notFound(`Kindergarten ${tenantCode} does not exist`, ErrorCode.TenantNotFound);
    const refusal = refusalFor(tenant);
    if (refusal) throw refusal;
    req.tenant = tenant;
    req.tenantDb = ctx.tenantDb(tenant);
  };
  const refuse = (req: Request, refusal: unknown, next: NextFunction) => {
    if (!(refusal instanceof AppError) || refusal.status < 403) return next(refusal);
    let token: string;
    try {
      token = bearerToken(req);
      if (ctx.verifier.peekUser(token)) return next(refusal);
    } catch (err) {
      return next(err);
    }
    ctx.verifier.verifyUser(token).then(() => next(refusal), next);
  };
  return (req, _res, next) => {
    let tenantCode: string;
    try {
      tenantCode = requestedTenant(req, ctx.config.BASE_DOMAIN, ctx.config.TRUST_PROXY);
      // A cached tenant is admitted synchronously (no promise, no microtask hop on the hot path).
      const cached = ctx.tenants.peek(tenantCode);
      if (cached !== undefined) {
        try {
          admit(req, tenantCode, cached);
        } catch (refusal) {
          return refuse(req, refusal, next);
        }
        return next();
      }
    } catch (err) {
      return next(err);
    }
    ctx.tenants.get(tenantCode).then(
      (tenant) => {
        try {
          admit(req, tenantCode, tenant);
        } catch (refusal) {
          return refuse(req, refusal, next);
        }
        next();
      },
      (err: unknown) => next(err),
    );
  };
}
