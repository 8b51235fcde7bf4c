import { connect, ErrorCode, errors, normalizeTenantCode, type Connection, type UserClaims } from '@kg/shared';
import type { AppContext } from '../../context';
import { findBinding } from '../auth/tenant-binding.repository';
import { findTenant, type Tenant } from '../tenants/tenant.repository';
import { tenantServerTarget } from '../tenants/tenant.service';
import { findActivePermissions } from './tenant-staff.repository';

/** A tenant admin acting on their tenant's staff, with a connection to the tenant's database. */
export interface StaffCaller {
  tenant: Tenant;
  globalUserId: number;
  /** The caller's own row in the tenant's `users` (the actor of operation log rows). */
  tenantUserId: number;
  conn: Connection;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

/**
 * Who may manage a tenant's staff (docs/staff-app.md, "Staff management"): a user token whose
 * tenant (the token's `tenant` claim, else X-Tenant-Code; a scoped token cannot be pointed
 * elsewhere) is active, with an active binding, an active tenant user and the permission asked
 * for, read from the tenant's own RBAC tables now. The tenant app checks the same permission
 * before relaying; this check is the one that cannot be bypassed. An outsider learns nothing
 * about the tenant. Runs `fn` with the caller and closes the tenant connection afterwards.
 */
export async function withStaffCaller<T>(
  ctx: AppContext,
  claims: UserClaims,
  req: { tenantHeader: string | undefined; ip: string | null; userAgent: string | null; requestId: string | null },
  permission: string,
  fn: (caller: StaffCaller) => Promise<T>,
): Promise<T> {
  const fromHeader = req.tenantHeader === undefined ? undefined : normalizeTenantCode(req.tenantHeader);
  if (req.tenantHeader !== undefined && !fromHeader) throw errors.badRequest('X-Tenant-Code is not a tenant code');
  if (claims.tenant && fromHeader && fromHeader !== claims.tenant) {
    throw errors.forbidden(`This token is scoped to tenant ${claims.tenant}`, ErrorCode.NotBoundToTenant);
  }
  const tenantCode = claims.tenant ?? fromHeader;
  if (!tenantCode) throw errors.badRequest('Choose a tenant: use a tenant-scoped token or send X-Tenant-Code', 'TENANT_REQUIRED');
  const globalUserId = Number(claims.sub);
  const notMember = () => errors.forbidden(`You are not a member of tenant ${tenantCode}`, ErrorCode.NotBoundToTenant);
  if (!Number.isSafeInteger(globalUserId)) throw notMember();
  const [binding, tenant] = await Promise.all([findBinding(ctx.db, globalUserId, tenantCode), findTenant(ctx.db, tenantCode)]);
  if (!binding || binding.status !== 'active' || !tenant) throw notMember();
  if (tenant.status === 'deleted' || tenant.status === 'purged') throw errors.gone(`Tenant ${tenantCode} has been deleted`);
  if (tenant.status !== 'active') throw errors.forbidden(`Tenant ${tenantCode} is not active`, ErrorCode.TenantSuspended);

  const conn = await connect(await tenantServerTarget(ctx, tenant), tenant.databaseName);
  try {
    const me = await findActivePermissions(conn, globalUserId);
    if (!me) throw notMember();
    if (!me.permissions.has(permission)) throw errors.forbidden(`This needs the ${permission} permission`);
    return await fn({ tenant, globalUserId, tenantUserId: me.tenantUserId, conn, ip: req.ip, userAgent: req.userAgent, requestId: req.requestId });
  } finally {
    await conn.end().catch(() => undefined);
  }
}
