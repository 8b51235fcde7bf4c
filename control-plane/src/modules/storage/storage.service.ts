import { AppError, ErrorCode, errors, isSafeObjectKey, type StsCredentials, type UserClaims, normalizeTenantCode } from '@kg/shared';
import type { AppContext } from '../../context';
import { storageProviders } from './storage.providers';
import { findStorageAccess } from './storage.repository';

/** Roles that may read but not write the tenant's files. */
const READ_ONLY_ROLES = new Set(['viewer']);

export const StorageErrorCode = {
  TenantRequired: 'TENANT_REQUIRED',
  TenantNotActive: 'TENANT_NOT_ACTIVE',
  StorageNotReady: 'STORAGE_NOT_READY',
  CredentialsMissing: 'STORAGE_CREDENTIALS_MISSING',
  CredentialsInvalid: 'STORAGE_CREDENTIALS_INVALID',
  CredentialsExpired: 'STORAGE_CREDENTIALS_EXPIRED',
  OutsidePrefix: 'STORAGE_KEY_OUTSIDE_PREFIX',
  ReadOnly: 'STORAGE_READ_ONLY',
  ObjectNotFound: 'OBJECT_NOT_FOUND',
  SignatureInvalid: 'STORAGE_SIGNATURE_INVALID',
  SignatureExpired: 'STORAGE_SIGNATURE_EXPIRED',
  LocalOnly: 'STORAGE_NOT_LOCAL',
} as const;

/**
 * The tenant a storage request is for: the token's `tenant` claim (switch-tenant), else the
 * X-Tenant-Code header. A tenant-scoped token cannot be pointed at another tenant by the header.
 */
export function requestedTenant(claims: UserClaims, header: string | undefined): string {
  const raw = header?.trim() || undefined;
  const fromHeader = raw === undefined ? undefined : normalizeTenantCode(raw);
  if (raw !== undefined && fromHeader === undefined) {
    throw errors.badRequest('X-Tenant-Code is not a tenant code (k followed by 3 to 9 digits)', ErrorCode.BadRequest, {
      field: 'X-Tenant-Code',
    });
  }
  if (claims.tenant && fromHeader && fromHeader !== claims.tenant) {
    throw errors.forbidden(`This token is scoped to tenant ${claims.tenant}`, ErrorCode.NotBoundToTenant);
  }
  const code = claims.tenant ?? fromHeader;
  if (!code) {
    throw errors.badRequest('Choose a tenant: use a tenant-scoped token or send X-Tenant-Code', StorageErrorCode.TenantRequired);
  }
  return code;
}

/**
 * Issues storage credentials for one tenant (SPEC §6): only to a user actively bound to an
 * active tenant, limited to the tenant's prefix, read-only for viewers, for STS_DURATION_SECONDS.
 */
export async function issueStorageCredentials(ctx: AppContext, claims: UserClaims, tenantCode: string): Promise<StsCredentials> {
  const userId = Number(claims.sub);
  // Unbound users learn nothing about the tenant, not even whether it exists.
  const access = Number.isSafeInteger(userId) ? await findStorageAccess(ctx.db, userId, tenantCode) : null;
  if (!access || access.relationStatus !== 'active') {
    throw errors.forbidden(`You are not a member of tenant ${tenantCode}`, ErrorCode.NotBoundToTenant);
  }
  if (access.userStatus !== 'active') throw errors.forbidden('This account is not active', ErrorCode.AccountDisabled);
  if (access.tenantStatus === 'deleted' || access.tenantStatus === 'purged') {
    throw errors.gone(`Tenant ${tenantCode} has been deleted`, ErrorCode.TenantDeleted);
  }
  if (access.tenantStatus === 'suspended') throw errors.forbidden(`Tenant ${tenantCode} is suspended`, ErrorCode.TenantSuspended);
  if (access.tenantStatus !== 'active') {
    throw errors.forbidden(`Tenant ${tenantCode} is not active (${access.tenantStatus})`, StorageErrorCode.TenantNotActive);
  }
  const prefix = access.ossPrefix;
  if (!prefix || !prefix.endsWith('/') || !isSafeObjectKey(prefix)) {
    throw new AppError(StorageErrorCode.StorageNotReady, 409, `Tenant ${tenantCode} has no storage prefix yet`);
  }
  const readOnly = READ_ONLY_ROLES.has(access.roleInTenant);
  try {
    return await storageProviders(ctx).sts.issue({
      tenantCode,
      userId: claims.sub,
      prefix,
      readOnly,
      durationSeconds: ctx.config.STS_DURATION_SECONDS,
    });
  } catch (err) {
    if (err instanceof AppError) throw err;
    ctx.logger.error({ err, tenantCode }, 'issuing storage credentials failed');
    throw errors.unavailable('The storage credentials service is unavailable, try again shortly', err);
  }
}
