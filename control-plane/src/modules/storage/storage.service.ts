import { AppError, ErrorCode, errors, isSafeObjectKey, type StsCredentials, type UserClaims } from '@kg/shared';
import type { AppContext } from '../../context';
import { findGlobalUserById } from '../auth/global-user.repository';
import { findBinding } from '../auth/tenant-binding.repository';
import { findTenant } from '../tenants/tenant.repository';
import { READ_ONLY_ROLES } from './credential-access';
import { storageProviders } from './storage.providers';

export const StorageErrorCode = {
  TenantRequired: 'TENANT_REQUIRED',
  TenantNotActive: 'TENANT_NOT_ACTIVE',
  StorageNotReady: 'STORAGE_NOT_READY',
  CredentialsMissing: 'STORAGE_CREDENTIALS_MISSING',
  CredentialsInvalid: 'STORAGE_CREDENTIALS_INVALID',
  CredentialsExpired: 'STORAGE_CREDENTIALS_EXPIRED',
  CredentialsRevoked: 'STORAGE_CREDENTIALS_REVOKED',
  OutsidePrefix: 'STORAGE_KEY_OUTSIDE_PREFIX',
  ReadOnly: 'STORAGE_READ_ONLY',
  ObjectNotFound: 'OBJECT_NOT_FOUND',
  SignatureInvalid: 'STORAGE_SIGNATURE_INVALID',
  SignatureExpired: 'STORAGE_SIGNATURE_EXPIRED',
  LocalOnly: 'STORAGE_NOT_LOCAL',
} as const;

/**
 * The tenant a storage request is for: the token's `tenant` claim (switch-tenant), else the
 * X-Tenant-Code header (validated and lower-cased by the route). A tenant-scoped token cannot be
 * pointed at another tenant by the header.
 */
export function requestedTenant(claims: UserClaims, fromHeader: string | undefined): string {
  if (claims.tenant && fromHeader && fromHeader !== claims.tenant) {
    throw errors.forbidden(`This token is scoped to tenant ${claims.tenant}`, ErrorCode.NotBoundToTenant);
  }
  const tenantCode = claims.tenant ?? fromHeader;
  if (!tenantCode) {
    throw errors.badRequest('Choose a tenant: use a tenant-scoped token or send X-Tenant-Code', StorageErrorCode.TenantRequired);
  }
  return tenantCode;
}

/**
 * Issues storage credentials for one tenant (docs/control-plane.md, "Providers"): only to a user
 * actively bound to an active tenant, limited to the tenant's prefix, read-only for viewers. Local
 * credentials last STS_DURATION_SECONDS and are checked per request; cloud STS credentials, which
 * only their expiry ends, last the provider's shortest duration (docs/privileges.md, Storage
 * credentials).
 */
export async function issueStorageCredentials(ctx: AppContext, claims: UserClaims, tenantCode: string): Promise<StsCredentials> {
  const globalUserId = Number(claims.sub);
  const binding = Number.isSafeInteger(globalUserId) ? await findBinding(ctx.db, globalUserId, tenantCode) : null;
  const [tenant, user] = binding
    ? await Promise.all([findTenant(ctx.db, tenantCode), findGlobalUserById(ctx.db, globalUserId)])
    : [null, undefined];
  // Unbound users learn nothing about the tenant, not even whether it exists.
  if (!binding || !tenant || !user || binding.status !== 'active') {
    throw errors.forbidden(`You are not a member of tenant ${tenantCode}`, ErrorCode.NotBoundToTenant);
  }
  if (user.status !== 'active') throw errors.forbidden('This account is not active', ErrorCode.AccountDisabled);
  if (tenant.status === 'deleted' || tenant.status === 'purged') {
    throw errors.gone(`Tenant ${tenantCode} has been deleted`, ErrorCode.TenantDeleted);
  }
  if (tenant.status === 'suspended') throw errors.forbidden(`Tenant ${tenantCode} is suspended`, ErrorCode.TenantSuspended);
  if (tenant.status !== 'active') {
    throw errors.forbidden(`Tenant ${tenantCode} is not active (${tenant.status})`, StorageErrorCode.TenantNotActive);
  }
  const prefix = tenant.storagePrefix;
  if (!prefix || !prefix.endsWith('/') || !isSafeObjectKey(prefix)) {
    throw new AppError(StorageErrorCode.StorageNotReady, 409, `Tenant ${tenantCode} has no storage prefix yet`);
  }
  const readOnly = READ_ONLY_ROLES.has(binding.role);
  const sts = storageProviders(ctx).sts;
  try {
    return await sts.issue({
      tenantCode,
      userId: claims.sub,
      sessionId: claims.sid ?? claims.jti,
      prefix,
      readOnly,
      durationSeconds: sts.revocable ? ctx.config.STS_DURATION_SECONDS : sts.minDurationSeconds,
    });
  } catch (err) {
    if (err instanceof AppError) throw err;
    ctx.logger.error({ err, tenantCode }, 'issuing storage credentials failed');
    throw errors.unavailable('The storage credentials service is unavailable, try again shortly', err);
  }
}
