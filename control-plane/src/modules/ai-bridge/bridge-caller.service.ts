import { ErrorCode, errors, type UserClaims } from '@kg/shared';
import type { AppContext } from '../../context';
import type { Plan } from '../billing/plan.repository';
import type { Tenant } from '../tenants/tenant.repository';

/** Who is calling the bridge, for which tenant. */
export interface BridgeCaller {
  tenant: Tenant;
  /** The tenant's plan (rate and token quota); null when its plan type names none. */
  plan: Plan | null;
  globalUserId: number;
  role: string;
  ip: string | null;
  userAgent: string | null;
}

/**
 * The tenant of a bridge call (docs/ai-billing.md, "Who may call"): the token's tenant claim,
 * else X-Tenant-Code; a tenant-scoped token cannot be pointed elsewhere by the header. The user
 * must be actively bound to the tenant, and the tenant active. An unbound caller learns nothing
 * about the tenant, not even whether it exists. An allowed caller comes from the bridge directory
 * (in memory, dropped the moment a tenant's status or the binding changes); a refusal is always a
 * fresh read.
 */
export async function resolveBridgeCaller(
  ctx: AppContext,
  claims: UserClaims,
  header: string | undefined,
  info: { ip: string | null; userAgent: string | null },
): Promise<BridgeCaller> {
  const fromHeader = header?.trim() || undefined;
  if (claims.tenant && fromHeader && fromHeader !== claims.tenant) {
    throw errors.forbidden(`This token is scoped to tenant ${claims.tenant}`, ErrorCode.NotBoundToTenant);
  }
  const tenantCode = claims.tenant ?? fromHeader;
  if (!tenantCode) throw errors.badRequest('Choose a tenant: use a tenant-scoped token or send X-Tenant-Code', 'TENANT_REQUIRED');
  const globalUserId = Number(claims.sub);
  if (!Number.isSafeInteger(globalUserId) || tenantCode.length > 50) {
    throw errors.forbidden(`You are not a member of tenant ${tenantCode.slice(0, 50)}`, ErrorCode.NotBoundToTenant);
  }
  const { binding, tenant, plan } = await ctx.bridgeDirectory.callerRecords(tenantCode, globalUserId);
  if (!binding || binding.status !== 'active' || !tenant) {
    throw errors.forbidden(`You are not a member of tenant ${tenantCode}`, ErrorCode.NotBoundToTenant);
  }
  if (tenant.status === 'deleted' || tenant.status === 'purged') throw errors.gone(`Tenant ${tenantCode} has been deleted`);
  if (tenant.status !== 'active') throw errors.forbidden(`Tenant ${tenantCode} is not active`, ErrorCode.TenantSuspended);
  return { tenant, plan, globalUserId, role: binding.role, ...info };
}
