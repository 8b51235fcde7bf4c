import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { AppError, errors, keyWithinPrefix, verifyLocalStsCredentials, type LocalStsClaims } from '@kg/shared';
import type { AppContext } from '../../context';
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
 * Requires local STS credentials (headers X-Kg-Access-Key-Id and X-Kg-Security-Token) that verify
 * and have not expired; 401 when absent, 403 with a specific code otherwise.
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
    req.storageCredentials = check.claims;
    next();
  };
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
