import {
  connect,
  ensureTenantUser,
  errors,
  ErrorCode,
  mysqlTargetFromConfig,
  publishTenantAccessChange,
  serverTarget,
  withTransaction,
  type TenantRole,
} from '@kg/shared';
import type { AppContext } from '../../context';
import { appendAudit, type AuditActor } from '../audit/audit.service';
import {
  findGlobalUserByPhone,
  findTenantDetail,
  findTenantPlacement,
  lockRelation,
  upsertRelation,
  type GlobalUser,
  type TenantDetail,
  type TenantPlacement,
  type TenantRelation,
} from './tenant.repository';

/** The tenant detail, or 404 TENANT_NOT_FOUND. */
export async function getTenant(ctx: AppContext, code: string): Promise<TenantDetail> {
  const tenant = await findTenantDetail(ctx.db, code);
  if (!tenant) throw errors.notFound(`Tenant ${code} does not exist`, ErrorCode.TenantNotFound);
  return tenant;
}

/** 404 for an unknown tenant; used before listing its users. */
export async function assertTenantExists(ctx: AppContext, code: string): Promise<void> {
  if (!(await findTenantPlacement(ctx.db, code))) {
    throw errors.notFound(`Tenant ${code} does not exist`, ErrorCode.TenantNotFound);
  }
}

export interface BindUserInput {
  tenantCode: string;
  phone: string;
  role: TenantRole;
}

export interface BindUserResult {
  tenantCode: string;
  globalUserId: number;
  phone: string;
  realName: string;
  role: string;
  status: string;
  /** Id of the user's row in the tenant database; null until that database exists. */
  tenantUserId: string | null;
  /** True when the relation did not exist before. */
  created: boolean;
}

const NOT_READY_STATUSES = new Set(['provisioning', 'failed']);

/**
 * Writes the tenant-local side of a binding (users + user_roles) when the tenant database
 * exists, and returns the tenant user id. A tenant still being provisioned may have no database
 * or no tables yet: then nothing is written here and the relation alone records the binding.
 */
async function bindInTenantDatabase(
  ctx: AppContext,
  placement: TenantPlacement,
  user: GlobalUser,
  role: TenantRole,
): Promise<string | null> {
  const target = placement.server ? serverTarget(placement.server) : mysqlTargetFromConfig(ctx.config);
  let conn;
  try {
    conn = await connect(target, placement.databaseName);
  } catch (err) {
    if ((err as { code?: string }).code === 'ER_BAD_DB_ERROR') return null;
    throw err;
  }
  try {
    const id = await ensureTenantUser(conn, {
      globalUserId: user.id,
      phone: user.phone,
      realName: user.realName,
      email: user.email,
      role,
    });
    return String(id);
  } catch (err) {
    if ((err as { code?: string }).code === 'ER_NO_SUCH_TABLE' && NOT_READY_STATUSES.has(placement.status)) return null;
    throw err;
  } finally {
    await conn.end().catch(() => undefined);
  }
}

const relationView = (r: TenantRelation | null) =>
  r && { role: r.role, status: r.status, tenantUserId: r.tenantUserId };

/**
 * Binds a global user to a tenant with a role (seed 004 bindUserToTenant): the user must exist,
 * the tenant must not be deleted. Creates or updates the relation and, when the tenant database
 * exists, the tenant-local user with exactly that role. Idempotent; audited with before/after.
 */
export async function bindUserToTenant(ctx: AppContext, actor: AuditActor, input: BindUserInput): Promise<BindUserResult> {
  const placement = await findTenantPlacement(ctx.db, input.tenantCode);
  if (!placement) throw errors.notFound(`Tenant ${input.tenantCode} does not exist`, ErrorCode.TenantNotFound);
  if (placement.status === 'deleted' || placement.status === 'purged') {
    throw errors.gone(`Tenant ${input.tenantCode} is ${placement.status}`, ErrorCode.TenantDeleted);
  }
  const user = await findGlobalUserByPhone(ctx.db, input.phone);
  if (!user || user.status === 'deleted') {
    throw errors.notFound(`No user is registered with phone ${input.phone}`, ErrorCode.UserNotFound);
  }

  const tenantUserId = await bindInTenantDatabase(ctx, placement, user, input.role);

  const result = await withTransaction(ctx.db, async (conn) => {
    const before = await lockRelation(conn, user.id, input.tenantCode);
    const after = await upsertRelation(conn, {
      globalUserId: user.id,
      tenantCode: input.tenantCode,
      role: input.role,
      tenantUserId,
    });
    await appendAudit(conn, ctx.secrets.auditKey, {
      ...actor,
      action: 'tenant.user.bind',
      tenantCode: input.tenantCode,
      targetType: 'global_user',
      targetId: user.id,
      before: relationView(before),
      after: { ...relationView(after), phone: user.phone },
    });
    return {
      tenantCode: input.tenantCode,
      globalUserId: user.id,
      phone: user.phone,
      realName: user.realName,
      role: after.role,
      status: after.status,
      tenantUserId: after.tenantUserId,
      created: before === null,
    };
  });
  // Tenant apps cache who may act in a tenant; tell them now. If Redis is away the change still
  // shows within ACCESS_CACHE_TTL_MS, so the binding itself is not failed for it.
  await publishTenantAccessChange(ctx.redis, ctx.config.REDIS_KEY_PREFIX, input.tenantCode, user.id).catch((err: Error) =>
    ctx.logger.warn({ err: err.message, tenant: input.tenantCode }, 'tenant access change not announced'),
  );
  return result;
}
