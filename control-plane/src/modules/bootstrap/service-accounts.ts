import {
  SERVICE_ACCOUNT_SETTINGS,
  connect,
  ensureRoleAccount,
  ensureServiceAccount,
  quoteAccount,
  quoteId,
  quoteRole,
  tenantDbRoleName,
  listControlTables,
  mysqlEnvSchema,
  mysqlTargetFromConfig,
  serviceAccountPlan,
  serviceAccountsEnvSchema,
  unlistedControlTables,
  type Connection,
  type RowDataPacket,
  type ServiceName,
} from '@kg/shared';
import { z } from 'zod';
import { PROVISIONER_SECRET_REF, setLocalServerAccount } from '../db-servers/db-server.repository';

/** Settings of `npm run db:accounts`: the set-up account (MYSQL_USER) and the three service accounts. */
export const dbAccountsEnvSchema = z.object({ ...mysqlEnvSchema, ...serviceAccountsEnvSchema });
export type DbAccountsSettings = Readonly<z.infer<typeof dbAccountsEnvSchema>>;

export interface DbAccountsResult {
  accounts: { service: ServiceName; user: string; host: string; grants: number; revoked: number }[];
  /** Control tables CONTROL_TABLE_ACCESS does not list (granted by its default rule). */
  unlistedTables: string[];
  /** The `local` database server row now names another account. */
  localServerChanged: boolean;
  /** Existing tenant roles the provisioner's account was given to administer. */
  rolesHandedOver: number;
}

/**
 * Creates or updates the configured service accounts with exactly their grants, signed in as the
 * set-up account, and makes the provisioner's account the one the `local` database server row
 * names (docs/privileges.md, Service accounts). Runs after migrations; safe to repeat.
 */
export async function setUpServiceAccounts(settings: DbAccountsSettings): Promise<DbAccountsResult> {
  const users: Partial<Record<ServiceName, string>> = {
    control: settings.CONTROL_PLANE_MYSQL_USER,
    provisioner: settings.PROVISIONER_MYSQL_USER,
    tenantApp: settings.TENANT_APP_MYSQL_USER,
  };
  const passwords: Record<ServiceName, string> = {
    control: settings.CONTROL_PLANE_MYSQL_PASSWORD,
    provisioner: settings.PROVISIONER_MYSQL_PASSWORD,
    tenantApp: settings.TENANT_APP_MYSQL_PASSWORD,
  };
  const admin = await connect(mysqlTargetFromConfig(settings));
  try {
    const controlTables = await listControlTables(admin, settings.CONTROL_DB_NAME);
    if (!controlTables.length) throw new Error(`Control database ${settings.CONTROL_DB_NAME} has no tables: run npm run migrate first`);
    const plans = serviceAccountPlan({
      controlDb: settings.CONTROL_DB_NAME,
      templateDb: settings.TEMPLATE_DB_NAME,
      tenantDbPrefix: settings.TENANT_DB_PREFIX,
      controlTables,
      host: settings.SERVICE_ACCOUNT_HOST,
      users,
    });
    const accounts: DbAccountsResult['accounts'] = [];
    for (const plan of plans) {
      if (plan.user === settings.MYSQL_USER) {
        throw new Error(`${SERVICE_ACCOUNT_SETTINGS[plan.service].user} must not be the set-up account ${settings.MYSQL_USER}`);
      }
      const { revoked } = await ensureServiceAccount(admin, plan, passwords[plan.service]);
      accounts.push({ service: plan.service, user: plan.user, host: plan.host, grants: plan.grants.length, revoked });
    }
    // The tenant app's role account is made here, not by the provisioner's account (see roleGrantee).
    if (users.provisioner && settings.TENANT_DB_ROLE_USER && settings.TENANT_DB_ROLE_PASSWORD) {
      await ensureRoleAccount(admin, { user: settings.TENANT_DB_ROLE_USER, host: settings.TENANT_DB_USER_HOST, password: settings.TENANT_DB_ROLE_PASSWORD });
    }
    const rolesHandedOver = users.provisioner ? await handOverTenantRoles(admin, settings, users.provisioner) : 0;
    await admin.query(`USE ${quoteId(settings.CONTROL_DB_NAME)}`);
    const localServerChanged = await setLocalServerAccount(admin, {
      host: settings.MYSQL_HOST,
      port: settings.MYSQL_PORT,
      ...(users.provisioner
        ? { username: users.provisioner, secretRef: PROVISIONER_SECRET_REF }
        : { username: settings.MYSQL_USER, secretRef: 'env:MYSQL_PASSWORD' }),
    });
    return { accounts, unlistedTables: unlistedControlTables(controlTables), localServerChanged, rolesHandedOver };
  } finally {
    await admin.end().catch(() => undefined);
  }
}

/**
 * MariaDB lets an account grant a role only when it holds it WITH ADMIN OPTION; roles the
 * provisioner's account creates are its own, but roles made before it existed (by the set-up
 * account) are not, and the create and resume paths grant them to the tenant app's role account.
 * Hands those of this deployment's tenants (on this server) to it. Idempotent.
 */
async function handOverTenantRoles(admin: Connection, settings: DbAccountsSettings, provisioner: string): Promise<number> {
  const [tenants] = await admin.query<RowDataPacket[]>(
    `SELECT t.database_name FROM ${quoteId(settings.CONTROL_DB_NAME)}.tenants t
       LEFT JOIN ${quoteId(settings.CONTROL_DB_NAME)}.database_servers s ON s.id = t.db_server_id
      WHERE t.database_name IS NOT NULL AND (t.db_server_id IS NULL OR (s.host = ? AND s.port = ?))`,
    [settings.MYSQL_HOST, settings.MYSQL_PORT],
  );
  const roles = tenants.map((t) => tenantDbRoleName(String(t.database_name)));
  if (!roles.length) return 0;
  // Filtered here: mysql.user's columns are utf8mb3, and comparing them with this connection's
  // utf8mb4 literals is refused as a mix of collations.
  const [rows] = await admin.query<RowDataPacket[]>('SELECT User AS name, is_role FROM mysql.user');
  const wanted = new Set(roles);
  const existing = rows.filter((r) => String(r.is_role) === 'Y' && wanted.has(String(r.name))).map((r) => ({ role: String(r.name) }));
  const grantee = quoteAccount(provisioner, settings.SERVICE_ACCOUNT_HOST);
  for (const r of existing) await admin.query(`GRANT ${quoteRole(String(r.role))} TO ${grantee} WITH ADMIN OPTION`);
  return existing.length;
}
