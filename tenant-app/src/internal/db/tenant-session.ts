import { tenantDbRoleName } from '@kg/shared';
import type { TenantAppConfig } from '../../config';
import type { TenantRecord } from '../../modules/tenancy/tenant.registry';
import { asAccount, asRole, dbServer, type DbServer, type TenantIdentity } from './connection-budget';

/**
 * Which connections a tenant's statements use and who they run as (docs/privileges.md, The tenant
 * app's switch), from TENANT_DB_SWITCH_USER and TENANT_DB_SWITCH_WITH:
 * - role: connections to the tenant's server signed in as the role account, `SET ROLE` the
 *   tenant database's role;
 * - change_user: connections signed in as the server's account switched to the tenant's own
 *   account (COM_CHANGE_USER);
 * - off: the server's account, no switch (the statement guard alone).
 * Called once per tenant record (the handle is cached with it), never per request.
 */
export function tenantSession(
  config: Pick<TenantAppConfig, 'TENANT_DB_SWITCH_USER' | 'TENANT_DB_SWITCH_WITH' | 'TENANT_DB_ROLE_USER' | 'TENANT_DB_ROLE_PASSWORD'>,
  tenant: Pick<TenantRecord, 'server' | 'databaseName' | 'login'>,
): { server: DbServer; as?: TenantIdentity } {
  if (!config.TENANT_DB_SWITCH_USER) return { server: tenant.server };
  if (config.TENANT_DB_SWITCH_WITH === 'role') {
    const { host, port } = tenant.server;
    const server = dbServer({ host, port, user: config.TENANT_DB_ROLE_USER!, password: config.TENANT_DB_ROLE_PASSWORD! });
    return { server, as: asRole(tenantDbRoleName(tenant.databaseName)) };
  }
  return { server: tenant.server, as: tenant.login ? asAccount(tenant.login) : undefined };
}
