import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { AppError, ErrorCode, errors, keyWithinPrefix, verifyLocalStsCredentials, type LocalStsClaims } from '@kg/shared';
import type { AppContext } from '../../context';
import type { StorageVerdict } from './credential-access';
import { storageProviders } from './storage.providers';
import { StorageErrorCode } from './storage.service';

declare module 'express-serve-static-core' {
  interface Request {
    /** Verified local STS credentials of a local storage request. */
    storageCredentials?: LocalStsClaims;
  }
}

export const ACCESS_KEY_HEADER = 'x-kg-access-key-id';
export const SECURITY_TOKEN_HEADER = 'x-kg-security-token';

/** 404 unless objects are stored locally: with OSS, clients talk to OSS directly. */
export function requireLocalStorage(ctx: AppContext): RequestHandler {
  return (_req: Request, _res: Response, next: NextFunction) => {
    if (!storageProviders(ctx).local) {
      next(errors.notFound('Local storage endpoints are off (STORAGE_PROVIDER is not local)', StorageErrorCode.LocalOnly));
    } else next();
  };
}

/**
 * Requires local STS credentials (headers X-Kg-Access-Key-Id and X-Kg-Security-Token) that verify,
 * have not expired and are still backed by the tenant's and the user's current state
 * (docs/privileges.md, Storage credentials): 401 when absent, 403 with a specific code otherwise.
 */
export function requireLocalCredentials(ctx: AppContext): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    const accessKeyId = req.get(ACCESS_KEY_HEADER);
    const securityToken = req.get(SECURITY_TOKEN_HEADER);
    if (!accessKeyId || !securityToken) {
      return next(new AppError(StorageErrorCode.CredentialsMissing, 401, 'Storage credentials required (X-Kg-Access-Key-Id, X-Kg-Security-Token)'));
    }
    const check = verifyLocalStsCredentials(storageProviders(ctx).signingSecret, { accessKeyId, securityToken });
    if (!check.ok) {
      return next(
        check.reason === 'expired'
          ? errors.forbidden('Storage credentials have expired; request new ones', StorageErrorCode.CredentialsExpired)
          : errors.forbidden('Storage credentials are not valid', StorageErrorCode.CredentialsInvalid),
      );
    }
    const claims = check.claims;
    try {
      assertSignInInForce(ctx, claims);
    } catch (err) {
      return next(err);
    }
    const verdict = ctx.storageAccess.verdict(claims.tenantCode, claims.userId);
    const decide = (v: StorageVerdict) => {
      assertStillAllowed(claims, v);
      req.storageCredentials = claims;
    };
    if (!(verdict instanceof Promise)) {
      try {
        decide(verdict);
      } catch (err) {
        return next(err);
      }
      return next();
    }
    verdict.then(decide).then(() => next(), next);
  };
}

/** The sign-in the credentials were issued under has not ended, nor were the user's tokens refused since. */
function assertSignInInForce(ctx: AppContext, claims: LocalStsClaims): void {
  try {
    ctx.revocations.check({
      typ: 'user',
      sub: claims.userId,
      jti: claims.accessKeyId,
      sid: claims.sessionId,
      iat: Math.floor(claims.issuedAtMs / 1000),
      iatMs: claims.issuedAtMs,
    });
  } catch (err) {
    if (err instanceof AppError && err.code === ErrorCode.TokenRevoked) {
      throw errors.forbidden('Storage credentials were revoked: the sign-in they belong to has ended', StorageErrorCode.CredentialsRevoked);
    }
    throw err;
  }
}

/** The tenant is still active, the user still bound with a role that allows the credentials' mode. */
function assertStillAllowed(claims: LocalStsClaims, verdict: StorageVerdict): void {
  if (!verdict.ok) {
    const why = {
      tenant_not_active: 'the tenant is no longer active',
      not_bound: 'you are no longer a member of the tenant',
      account_not_active: 'your account is not active',
    }[verdict.reason];
    throw errors.forbidden(`Storage credentials were revoked: ${why}`, StorageErrorCode.CredentialsRevoked);
  }
  if (verdict.prefix !== claims.allowedPrefix || (verdict.readOnly && !claims.readOnly)) {
    throw errors.forbidden('Storage credentials were revoked: your access to the tenant changed; request new ones', StorageErrorCode.CredentialsRevoked);
  }
}

/** The object key must lie inside the credentials' prefix (no "..", no absolute paths). */
export function assertKeyAllowed(claims: LocalStsClaims, key: string): void {
  if (!keyWithinPrefix(key, claims.allowedPrefix)) {
    throw errors.forbidden(`Key is outside the allowed prefix ${claims.allowedPrefix}`, StorageErrorCode.OutsidePrefix);
  }
}

export function assertWritable(claims: LocalStsClaims): void {
  if (claims.readOnly) throw errors.forbidden('These storage credentials are read-only', StorageErrorCode.ReadOnly);
}
