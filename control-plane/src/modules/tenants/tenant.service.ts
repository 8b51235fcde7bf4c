import {
  connect,
  ensureTenantUser,
  errors,
  ErrorCode,
  mysqlTargetFromConfig,
  publishTenantAccessChange,
  serverTarget,
  withTransaction,
  type DatabaseServerRow,
  type MysqlTarget,
  type Page,
  type TenantRole,
} from '@kg/shared';
import type { AppContext } from '../../context';
import { appendAudit, type AuditActor } from '../audit/audit.service';
import { findGlobalUserByPhone, type GlobalUser } from '../auth/global-user.repository';
import {
  countActiveBindings,
  listBoundUsers,
  lockBinding,
  upsertBinding,
  type TenantBinding,
} from '../auth/tenant-binding.repository';
import { findDbServer } from '../db-servers/db-server.repository';
import { findTenant, findTenantAccount, listTenants, type Tenant, type TenantListFilter } from './tenant.repository';
import { toTenantDetail, toTenantSummary, type TenantDetail, type TenantSummary } from './tenant.views';

function tenantNotFound(tenantCode: string) {
  return errors.notFound(`Tenant ${tenantCode} does not exist`, ErrorCode.TenantNotFound);
}

/** The tenant, or 404 TENANT_NOT_FOUND. */
async function existingTenant(ctx: AppContext, tenantCode: string): Promise<Tenant> {
  const tenant = await findTenant(ctx.db, tenantCode);
  if (!tenant) throw tenantNotFound(tenantCode);
  return tenant;
}

/** The tenant registry for the console: newest first, filtered and searched. */
export async function listTenantSummaries(ctx: AppContext, filter: TenantListFilter): Promise<Page<TenantSummary>> {
  const page = await listTenants(ctx.db, filter);
  return { ...page, items: page.items.map(toTenantSummary) };
}

/** The tenant detail with its server, account and user count, or 404 TENANT_NOT_FOUND. */
export async function getTenant(ctx: AppContext, tenantCode: string): Promise<TenantDetail> {
  const tenant = await existingTenant(ctx, tenantCode);
  const [server, account, userCount] = await Promise.all([
    tenant.dbServerId === null ? null : findDbServer(ctx.db, tenant.dbServerId),
    findTenantAccount(ctx.db, tenantCode),
    countActiveBindings(ctx.db, tenantCode),
  ]);
  return toTenantDetail(tenant, {
    server: server && { id: server.id, name: server.name, host: server.host, port: server.port, status: server.status },
    account,
    userCount,
  });
}

/** A user bound to a tenant, as the tenant's user list shows it. */
export interface TenantUserView {
  globalUserId: number;
  phone: string;
  realName: string;
  email: string | null;
  userStatus: string;
  role: string;
  status: string;
  tenantUserId: string | null;
  loginCount: number;
  firstLoginAt: string | null;
  lastLoginAt: string | null;
  boundAt: string;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/** Users bound to a tenant, most recently bound first; 404 for an unknown tenant. */
export async function listTenantUsers(
  ctx: AppContext,
  tenantCode: string,
  paging: { page: number; pageSize: number },
): Promise<Page<TenantUserView>> {
  await existingTenant(ctx, tenantCode);
  const page = await listBoundUsers(ctx.db, tenantCode, paging);
  return {
    ...page,
    items: page.items.map(({ binding: b, ...user }) => ({
      globalUserId: b.globalUserId,
      phone: user.phone,
      realName: user.realName,
      email: user.email,
      userStatus: user.userStatus,
      role: b.role,
      status: b.status,
      tenantUserId: b.tenantUserId,
      loginCount: b.loginCount,
      firstLoginAt: iso(b.firstLoginAt),
      lastLoginAt: iso(b.lastLoginAt),
      boundAt: b.createdAt.toISOString(),
    })),
  };
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
  /** True when the binding did not exist before. */
  created: boolean;
}

const NOT_READY_STATUSES = new Set(['provisioning', 'failed']);

/**
 * Writes the tenant-local side of a binding (users + user_roles) when the tenant database
 * exists, and returns the tenant user id. A tenant still being provisioned may have no database
 * or no tables yet: then nothing is written here and the control DB alone records the binding.
 */
async function bindInTenantDatabase(
  ctx: AppContext,
  tenant: Tenant,
  user: GlobalUser,
  role: TenantRole,
): Promise<string | null> {
  let conn;
  try {
    conn = await connect(await tenantServerTarget(ctx, tenant), tenant.databaseName);
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
    if ((err as { code?: string }).code === 'ER_NO_SUCH_TABLE' && NOT_READY_STATUSES.has(tenant.status)) return null;
    throw err;
  } finally {
    await conn.end().catch(() => undefined);
  }
}

/** Where the tenant's database lives: its server, or the configured MySQL server when it has none. */
export async function tenantServerTarget(ctx: AppContext, tenant: Tenant): Promise<MysqlTarget> {
  const server = tenant.dbServerId === null ? null : await findDbServer(ctx.db, tenant.dbServerId);
  if (!server) return mysqlTargetFromConfig(ctx.config);
  return controlPlaneServerTarget(ctx, { id: server.id, host: server.host, port: server.port, username: server.username, secret_ref: server.secretRef });
}

/**
 * How the control plane signs in to a registered server. On the control database's own server it
 * keeps its own account (data privileges on tenant databases, read on the template), not the
 * server's, which is the provisioner's there (docs/privileges.md, Service accounts).
 */
export function controlPlaneServerTarget(ctx: AppContext, server: DatabaseServerRow): MysqlTarget {
  const { CONTROL_PLANE_MYSQL_USER, MYSQL_HOST, MYSQL_PORT } = ctx.config;
  if (CONTROL_PLANE_MYSQL_USER && server.host === MYSQL_HOST && Number(server.port) === MYSQL_PORT) return mysqlTargetFromConfig(ctx.config);
  return serverTarget(server);
}

const bindingView = (b: TenantBinding | null) => b && { role: b.role, status: b.status, tenantUserId: b.tenantUserId };

/**
 * Binds a global user to a tenant with a role: the user must exist, the tenant must not be
 * deleted. Creates or updates the binding and, when the tenant database exists, the tenant-local
 * user with exactly that role. Idempotent; audited with before/after.
 */
export async function bindUserToTenant(ctx: AppContext, actor: AuditActor, input: BindUserInput): Promise<BindUserResult> {
  const tenant = await existingTenant(ctx, input.tenantCode);
  if (tenant.status === 'deleted' || tenant.status === 'purged') {
    throw errors.gone(`Tenant ${input.tenantCode} is ${tenant.status}`, ErrorCode.TenantDeleted);
  }
  const user = await findGlobalUserByPhone(ctx.db, input.phone);
  if (!user || user.status === 'deleted') {
    throw errors.notFound(`No user is registered with phone ${input.phone}`, ErrorCode.UserNotFound);
  }

  const tenantUserId = await bindInTenantDatabase(ctx, tenant, user, input.role);

  const result = await withTransaction(ctx.db, async (conn) => {
    const before = await lockBinding(conn, user.id, input.tenantCode);
    const after = await upsertBinding(conn, {
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
      before: bindingView(before),
      after: { ...bindingView(after), phone: user.phone },
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
