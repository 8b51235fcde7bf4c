import type { Connection, RowDataPacket } from 'mysql2/promise';
import { z } from 'zod';
import { envx } from './env';
import { assertDbName } from './identifiers';
import { assertAccountHost, quoteAccount } from './tenant-db-user';

/**
 * The MySQL accounts of the three processes (docs/privileges.md, Service accounts): each signs in
 * with its own account holding only what its code needs, so a bug or a crafted statement in one
 * process cannot do what that process has no business doing (the control plane cannot rewrite
 * `audit_logs`, the tenant app cannot write the control database). `npm run db:accounts` creates
 * them with the set-up account (MYSQL_USER) after migrations, and again whenever migrations add
 * tables: grants on the control database are per table, since MySQL has no "deny".
 */
export type ServiceName = 'control' | 'provisioner' | 'tenantApp';
export const SERVICE_NAMES: readonly ServiceName[] = ['control', 'provisioner', 'tenantApp'];

/** The settings naming each account (empty user: the process signs in with MYSQL_USER). */
export const SERVICE_ACCOUNT_SETTINGS: Record<ServiceName, { user: string; password: string; defaultUser: string }> = {
  control: { user: 'CONTROL_PLANE_MYSQL_USER', password: 'CONTROL_PLANE_MYSQL_PASSWORD', defaultUser: 'kg_control' },
  provisioner: { user: 'PROVISIONER_MYSQL_USER', password: 'PROVISIONER_MYSQL_PASSWORD', defaultUser: 'kg_provisioner' },
  tenantApp: { user: 'TENANT_APP_MYSQL_USER', password: 'TENANT_APP_MYSQL_PASSWORD', defaultUser: 'kg_tenantapp' },
};

/** What a process may do with one control-database table. */
type TableAccess = 'none' | 'read' | 'append' | 'write';

const ACCESS_PRIVILEGES: Record<TableAccess, string[]> = {
  none: [],
  read: ['SELECT'],
  append: ['SELECT', 'INSERT'],
  write: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
};

/**
 * Each control-database table and what each process may do with it, read off the code that uses
 * it. A migration that adds a table adds it here (a test fails until it does); until then the
 * control plane, which owns the database, may write it, the provisioner read it, the tenant app
 * nothing. The provisioner also reads every table through its database-wide SELECT (backups).
 */
export const CONTROL_TABLE_ACCESS: Record<string, Record<ServiceName, TableAccess>> = {
  admin_users: { control: 'write', provisioner: 'read', tenantApp: 'none' },
  global_users: { control: 'write', provisioner: 'write', tenantApp: 'read' },
  signing_keys: { control: 'write', provisioner: 'read', tenantApp: 'none' },
  refresh_tokens: { control: 'write', provisioner: 'read', tenantApp: 'none' },
  login_history: { control: 'write', provisioner: 'read', tenantApp: 'none' },
  unified_auth_logs: { control: 'write', provisioner: 'read', tenantApp: 'none' },
  security_events: { control: 'write', provisioner: 'write', tenantApp: 'none' },
  sms_verification_codes: { control: 'write', provisioner: 'read', tenantApp: 'none' },
  database_servers: { control: 'write', provisioner: 'read', tenantApp: 'read' },
  tenants: { control: 'write', provisioner: 'write', tenantApp: 'read' },
  tenant_accounts: { control: 'write', provisioner: 'write', tenantApp: 'none' },
  global_user_tenant_relations: { control: 'write', provisioner: 'write', tenantApp: 'read' },
  tenant_init_progress: { control: 'write', provisioner: 'write', tenantApp: 'none' },
  tenant_init_steps: { control: 'write', provisioner: 'write', tenantApp: 'none' },
  tenant_resource_cleanup: { control: 'write', provisioner: 'write', tenantApp: 'none' },
  tenant_cleanup_logs: { control: 'write', provisioner: 'write', tenantApp: 'none' },
  data_backup_records: { control: 'write', provisioner: 'write', tenantApp: 'none' },
  dns_records: { control: 'write', provisioner: 'write', tenantApp: 'none' },
  ai_model_config: { control: 'write', provisioner: 'read', tenantApp: 'none' },
  tenant_ai_model_configs: { control: 'write', provisioner: 'write', tenantApp: 'none' },
  ai_service_call_logs: { control: 'write', provisioner: 'read', tenantApp: 'none' },
  tenant_ai_token_usage: { control: 'write', provisioner: 'read', tenantApp: 'none' },
  tenant_ai_usage_summary: { control: 'write', provisioner: 'write', tenantApp: 'none' },
  billing_rules: { control: 'write', provisioner: 'read', tenantApp: 'none' },
  tenant_billing_rules: { control: 'write', provisioner: 'write', tenantApp: 'none' },
  billing_records: { control: 'write', provisioner: 'write', tenantApp: 'none' },
  recharge_cards: { control: 'write', provisioner: 'read', tenantApp: 'none' },
  // Append-only for everyone: the chain (docs/privileges.md, Audit) is written by the control plane.
  audit_logs: { control: 'append', provisioner: 'read', tenantApp: 'none' },
  audit_chain_head: { control: 'write', provisioner: 'read', tenantApp: 'none' },
  system_config: { control: 'write', provisioner: 'read', tenantApp: 'none' },
  schema_rollouts: { control: 'write', provisioner: 'write', tenantApp: 'none' },
  schema_rollout_tenants: { control: 'write', provisioner: 'write', tenantApp: 'none' },
  auth_valid_after: { control: 'write', provisioner: 'read', tenantApp: 'read' },
  auth_revoked_sessions: { control: 'write', provisioner: 'read', tenantApp: 'read' },
  tenant_balance_transactions: { control: 'write', provisioner: 'read', tenantApp: 'none' },
  tenant_quota_notices: { control: 'write', provisioner: 'read', tenantApp: 'none' },
  // Migrations run with the set-up account; the control plane checks at start that none is pending.
  schema_migrations: { control: 'read', provisioner: 'read', tenantApp: 'none' },
};

const UNLISTED_TABLE: Record<ServiceName, TableAccess> = { control: 'write', provisioner: 'read', tenantApp: 'none' };

/** One line of `SHOW GRANTS`: privileges on an object, optionally with GRANT OPTION. */
export interface Grant {
  privileges: string[];
  /** `*.*`, `` `db`.* `` or `` `db`.`table` `` (as SHOW GRANTS prints it). */
  on: string;
  grantOption: boolean;
}

export interface ServiceAccountPlan {
  service: ServiceName;
  user: string;
  host: string;
  grants: Grant[];
}

/** DDL and data privileges the provisioner holds on tenant databases and the template (create, clone, migrate, dump, load). */
const SCHEMA_OWNER_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'CREATE', 'DROP', 'REFERENCES', 'INDEX', 'ALTER', 'LOCK TABLES', 'CREATE VIEW', 'SHOW VIEW', 'TRIGGER'];
const DATA_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'];

const db = (name: string) => '`' + assertDbName(name) + '`.*';
const table = (dbName: string, t: string) => '`' + assertDbName(dbName) + '`.`' + assertDbName(t) + '`';
/** Every database whose name starts with the prefix (`_` escaped: it is a wildcard in GRANT). */
const prefixPattern = (prefix: string) => '`' + assertDbName(prefix).replace(/_/g, '\\_') + '%`.*';

export interface PlanOptions {
  controlDb: string;
  templateDb: string;
  tenantDbPrefix: string;
  /** Tables of the control database as they are now (grants name existing tables only). */
  controlTables: string[];
  host: string;
  users: Partial<Record<ServiceName, string>>;
}

/**
 * The exact grants of each configured account (docs/privileges.md, Service accounts): what
 * `SHOW GRANTS FOR` it must list, apart from the account line itself.
 */
export function serviceAccountPlan(opts: PlanOptions): ServiceAccountPlan[] {
  const host = assertAccountHost(opts.host);
  for (const name of [opts.controlDb, opts.templateDb, opts.tenantDbPrefix]) assertDbName(name);
  const plans: ServiceAccountPlan[] = [];
  for (const service of SERVICE_NAMES) {
    const user = opts.users[service];
    if (!user) continue;
    const grants: Grant[] = [];
    const add = (privileges: string[], on: string, grantOption = false) => {
      if (privileges.length) grants.push({ privileges, on, grantOption });
    };
    const tables = [...opts.controlTables].sort();
    if (service === 'control') {
      // Owns the control database's rows; the tenant-local side of bindings, staff management and
      // quota notices in tenant databases; reads the template's shape for drift reports.
      for (const t of tables) add(ACCESS_PRIVILEGES[access(t, service)], table(opts.controlDb, t));
      add(DATA_PRIVILEGES, prefixPattern(opts.tenantDbPrefix));
      add(['SELECT'], db(opts.templateDb));
    } else if (service === 'provisioner') {
      // Creates tenant accounts and roles and grants them data privileges on their database.
      add(['CREATE USER'], '*.*');
      // Creates, clones, migrates, dumps, loads and drops tenant databases.
      add(SCHEMA_OWNER_PRIVILEGES, prefixPattern(opts.tenantDbPrefix), true);
      add(SCHEMA_OWNER_PRIVILEGES, db(opts.templateDb));
      // Backs up the control database (mysqldump --single-transaction --triggers) and writes its own tables.
      add(['SELECT', 'LOCK TABLES', 'TRIGGER'], db(opts.controlDb));
      for (const t of tables) add(ACCESS_PRIVILEGES[access(t, service)].filter((p) => p !== 'SELECT'), table(opts.controlDb, t));
    } else {
      // Reads the tenant registry, bindings and revocations; writes nothing in the control database.
      // Tenant databases are reached as the role account or the tenant's own account (The tenant app's switch).
      for (const t of tables) add(ACCESS_PRIVILEGES[access(t, service)], table(opts.controlDb, t));
    }
    plans.push({ service, user, host, grants });
  }
  return plans;
}

function access(tableName: string, service: ServiceName): TableAccess {
  return (CONTROL_TABLE_ACCESS[tableName] ?? UNLISTED_TABLE)[service];
}

/** Control-database tables no entry of CONTROL_TABLE_ACCESS decides (they get UNLISTED_TABLE). */
export function unlistedControlTables(controlTables: string[]): string[] {
  return controlTables.filter((t) => !(t in CONTROL_TABLE_ACCESS));
}

/**
 * Parses one line of `SHOW GRANTS` into a Grant; null for lines that grant roles. The account
 * line (`GRANT USAGE ON *.* ... IDENTIFIED BY PASSWORD ...`) parses to USAGE on `*.*`.
 */
export function parseGrantLine(line: string): Grant | null {
  const m = /^GRANT (.+?) ON (\*\.\*|`[^`]+`\.(?:\*|`[^`]+`)) TO \S+(?: IDENTIFIED BY PASSWORD '[^']*')?( WITH GRANT OPTION)?/.exec(line);
  if (!m) return null;
  return { privileges: splitPrivileges(m[1]!), on: m[2]!, grantOption: Boolean(m[3]) };
}

/** Privileges of a grant line, column lists kept with their privilege (`SELECT (a, b)`). */
function splitPrivileges(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/** A grant as one comparable string: object, sorted privileges, grant option. */
export function grantKey(g: Grant): string {
  return `${g.on} ${[...g.privileges].sort().join(',')}${g.grantOption ? ' +GRANT OPTION' : ''}`;
}

/** The account's grants as `SHOW GRANTS FOR` lists them (USAGE dropped; role lines skipped). */
export async function currentGrants(conn: Connection, user: string, host: string): Promise<Grant[]> {
  const [rows] = await conn.query<RowDataPacket[]>(`SHOW GRANTS FOR ${quoteAccount(user, host)}`);
  const out: Grant[] = [];
  for (const r of rows) {
    const g = parseGrantLine(String(Object.values(r)[0]));
    if (!g) continue;
    const privileges = g.privileges.filter((p) => p !== 'USAGE');
    if (privileges.length || g.grantOption) out.push({ ...g, privileges });
  }
  return out;
}

/**
 * Creates or updates one account so that it signs in with `password` and holds exactly its
 * planned grants. Safe to repeat: grants it should keep are not revoked first (running processes
 * keep working), those it should not hold are revoked, then the plan is granted.
 */
export async function ensureServiceAccount(conn: Connection, plan: ServiceAccountPlan, password: string): Promise<{ revoked: number }> {
  if (!password) throw new Error(`The ${plan.service} account ${plan.user} needs a password (${SERVICE_ACCOUNT_SETTINGS[plan.service].password})`);
  const account = quoteAccount(plan.user, plan.host);
  await conn.query(`CREATE USER IF NOT EXISTS ${account} IDENTIFIED BY ?`, [password]);
  await conn.query(`ALTER USER ${account} IDENTIFIED BY ?`, [password]);
  const wanted = new Set(plan.grants.map(grantKey));
  let revoked = 0;
  for (const g of await currentGrants(conn, plan.user, plan.host)) {
    if (wanted.has(grantKey(g))) continue;
    if (g.privileges.length) await conn.query(`REVOKE ${g.privileges.join(', ')} ON ${g.on} FROM ${account}`);
    if (g.grantOption) await conn.query(`REVOKE GRANT OPTION ON ${g.on} FROM ${account}`);
    revoked++;
  }
  for (const g of plan.grants) {
    await conn.query(`GRANT ${g.privileges.join(', ')} ON ${g.on} TO ${account}${g.grantOption ? ' WITH GRANT OPTION' : ''}`);
  }
  return { revoked };
}

/** Base tables of the control database. */
export async function listControlTables(conn: Connection, controlDb: string): Promise<string[]> {
  const [rows] = await conn.query<RowDataPacket[]>(
    "SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
    [controlDb],
  );
  return rows.map((r) => String(r.name));
}

/** Settings of `npm run db:accounts` (documented in .env.example). */
export const serviceAccountsEnvSchema = {
  CONTROL_DB_NAME: envx.str('admin_tenant_management'),
  TEMPLATE_DB_NAME: envx.str('kargerdensales'),
  TENANT_DB_PREFIX: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,40}$/, 'must be a letter then letters, digits or _').default('rent'),
  /** Host pattern of the three accounts ('%': any host; in production the app hosts, e.g. 10.0.1.%). */
  SERVICE_ACCOUNT_HOST: envx.str('%').refine((v) => /^[A-Za-z0-9.%_:-]{1,255}$/.test(v), 'must be a MySQL host pattern such as % or 10.0.1.%'),
  CONTROL_PLANE_MYSQL_USER: envx.optionalStr(),
  CONTROL_PLANE_MYSQL_PASSWORD: z.string().default(''),
  PROVISIONER_MYSQL_USER: envx.optionalStr(),
  PROVISIONER_MYSQL_PASSWORD: z.string().default(''),
  TENANT_APP_MYSQL_USER: envx.optionalStr(),
  TENANT_APP_MYSQL_PASSWORD: z.string().default(''),
  /** The tenant app's role account and its host pattern (docs/privileges.md, The tenant app's switch). */
  TENANT_DB_ROLE_USER: envx.optionalStr(),
  TENANT_DB_ROLE_PASSWORD: envx.optionalStr(),
  TENANT_DB_USER_HOST: envx.str('%').refine((v) => /^[A-Za-z0-9.%_:-]{1,255}$/.test(v), 'must be a MySQL host pattern such as % or 10.0.1.%'),
};

/**
 * The MySQL account a process signs in with: its own account when its user setting is set, else
 * MYSQL_USER / MYSQL_PASSWORD (tests, and .env files from before service accounts). Set-up steps
 * (migrations, template builds, `npm run db:accounts`) keep MYSQL_USER.
 */
export function asServiceAccount<C extends { MYSQL_USER: string; MYSQL_PASSWORD: string }>(
  config: C,
  user: string | undefined,
  password: string,
): C {
  if (!user) return config;
  return Object.freeze({ ...config, MYSQL_USER: user, MYSQL_PASSWORD: password });
}
