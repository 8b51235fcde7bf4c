import {
  connect,
  databaseExists,
  dropTenantDbRole,
  dropTenantDbUser,
  ensureRoleAccount,
  ensureTenantDbRole,
  ensureTenantDbUser,
  newDbPassword,
  tenantDbRoleName,
  tenantDbUserName,
  type Connection,
  type MysqlTarget,
} from '@kg/shared';
import type { ProvisionerContext } from '../../context';
import { tenantDatabaseTarget } from '../servers/server-target';
import { findTenantDbAccount, listTenantsByStatus, recordTenantDbAccount, type Tenant } from '../tenants/tenant.repository';

/**
 * The MySQL account of one tenant database (docs/privileges.md, Tenant database users): created by
 * the create pipeline's `create_database` step, by `npm run tenants:create-db-users` for tenants
 * made before accounts existed, and dropped by the purge with the database.
 *
 * Order matters for a worker killed at any point: the password is generated and recorded (sealed)
 * in the control database first, so a rerun reads the same password back; then the account is
 * created or brought to exactly that password and those privileges; then the database's role
 * (same privileges) and its grant to the tenant app's role account. Every statement is idempotent.
 */
export async function ensureTenantDbAccount(
  ctx: ProvisionerContext,
  tenant: Pick<Tenant, 'tenantCode' | 'databaseName'>,
  target: MysqlTarget,
  opts: { afterCreate?: () => Promise<void> } = {},
): Promise<{ user: string; host: string }> {
  const recorded =
    (await findTenantDbAccount(ctx.db, tenant.tenantCode)) ??
    (await recordTenantDbAccount(ctx.db, tenant.tenantCode, {
      user: tenantDbUserName(tenant.databaseName),
      host: ctx.config.TENANT_DB_USER_HOST,
      sealedPassword: ctx.secrets.seal(newDbPassword()),
    }));
  const account = { user: recorded.user, host: recorded.host, password: ctx.secrets.open(recorded.sealedPassword) };
  const conn = await connect(target);
  try {
    await ensureTenantDbUser(conn, account, tenant.databaseName, opts);
    await ensureTenantDbRole(conn, tenantDbRoleName(tenant.databaseName), tenant.databaseName, await roleGrantee(ctx, conn, target));
  } finally {
    await conn.end().catch(() => undefined);
  }
  return { user: account.user, host: account.host };
}

/**
 * The tenant app's role account on this server, created first when its password is configured.
 * Signed in as the provisioner's own account (docs/privileges.md, Service accounts) it is not:
 * MariaDB lets only an account with UPDATE on the `mysql` database set another account's default
 * role, so `npm run db:accounts` makes the role account with the set-up account instead.
 */
async function roleGrantee(ctx: ProvisionerContext, conn: Connection, target: MysqlTarget): Promise<{ user: string; host: string } | undefined> {
  const { TENANT_DB_ROLE_USER: user, TENANT_DB_ROLE_PASSWORD: password, TENANT_DB_USER_HOST: host } = ctx.config;
  if (!user) return undefined;
  if (password && target.user !== ctx.config.PROVISIONER_MYSQL_USER) await ensureRoleAccount(conn, { user, host, password });
  return { user, host };
}

/** Drops the tenant's account and role on its server (purge). A tenant without a recorded account has none. */
export async function dropTenantDbAccount(
  ctx: ProvisionerContext,
  tenant: Pick<Tenant, 'tenantCode' | 'databaseName'>,
  target: MysqlTarget,
): Promise<string | null> {
  const recorded = await findTenantDbAccount(ctx.db, tenant.tenantCode);
  if (!recorded) return null;
  const conn = await connect(target);
  try {
    await dropTenantDbUser(conn, recorded.user, recorded.host);
    await dropTenantDbRole(conn, tenantDbRoleName(tenant.databaseName));
  } finally {
    await conn.end().catch(() => undefined);
  }
  return recorded.user;
}

/** Statuses of tenants whose database may exist and be served again: they need an account. */
const STATUSES_WITH_DATABASE = ['provisioning', 'active', 'inactive', 'suspended', 'failed', 'deleted'] as const;

export interface DbAccountMigrationResult {
  tenantCode: string;
  outcome: 'ensured' | 'no_database' | 'error';
  user?: string;
  error?: string;
}

/**
 * Gives every tenant whose database exists its account (`npm run tenants:create-db-users`, for
 * tenants created before accounts existed). Safe to run any number of times: tenants that have an
 * account keep its password and get exactly its privileges again. One tenant's failure does not
 * stop the others.
 */
export async function ensureAllTenantDbAccounts(ctx: ProvisionerContext): Promise<DbAccountMigrationResult[]> {
  const results: DbAccountMigrationResult[] = [];
  for (const tenant of await listTenantsByStatus(ctx.db, STATUSES_WITH_DATABASE)) {
    try {
      const target = await tenantDatabaseTarget(ctx, tenant.dbServerId);
      const conn = await connect(target);
      let exists: boolean;
      try {
        exists = await databaseExists(conn, tenant.databaseName);
      } finally {
        await conn.end().catch(() => undefined);
      }
      if (!exists) {
        results.push({ tenantCode: tenant.tenantCode, outcome: 'no_database' });
        continue;
      }
      const account = await ensureTenantDbAccount(ctx, tenant, target);
      results.push({ tenantCode: tenant.tenantCode, outcome: 'ensured', user: account.user });
    } catch (err) {
      results.push({ tenantCode: tenant.tenantCode, outcome: 'error', error: err instanceof Error ? err.message : String(err) });
    }
  }
  return results;
}
