import crypto from 'node:crypto';
import type { Connection, Pool, PoolConnection } from 'mysql2/promise';
import { assertDbName } from './identifiers';

/**
 * Each tenant database has its own MySQL account with data privileges on that database only, so
 * MySQL itself refuses a statement that reaches another tenant's database (docs/privileges.md,
 * Tenant database users). These are the statements that make and remove such an account; the
 * provisioner decides when, and keeps the sealed password in the control database.
 */

/** Credentials a connection authenticates with (a tenant's account or a service account). */
export interface DbLogin {
  user: string;
  password: string;
}

/** A tenant database account: user name, host pattern and password. */
export interface TenantDbAccount extends DbLogin {
  host: string;
}

/** What a tenant's account may do on its own database, and nothing else anywhere. */
export const TENANT_DB_PRIVILEGES = 'SELECT, INSERT, UPDATE, DELETE';

/** MySQL 8 limits user names to 32 characters (MariaDB to 80): the shorter limit holds everywhere. */
const MAX_USER_LENGTH = 32;
const USER_NAME = /^[A-Za-z0-9_]{1,32}$/;
const HOST_PATTERN = /^[A-Za-z0-9.%_:-]{1,255}$/;

/**
 * The MySQL user name of a tenant database's account: the database name itself when it fits
 * MySQL's 32 characters, else `kg_` and a hash of it. The one place this is derived; the result is
 * stored in `tenants.db_user` and read from there.
 */
export function tenantDbUserName(databaseName: string): string {
  assertDbName(databaseName);
  if (databaseName.length <= MAX_USER_LENGTH) return databaseName;
  return `kg_${crypto.createHash('sha256').update(databaseName).digest('hex').slice(0, MAX_USER_LENGTH - 3)}`;
}

/** A new random password for a tenant account (sealed with MASTER_KEY before it is stored). */
export function newDbPassword(): string {
  return crypto.randomBytes(24).toString('base64url');
}

/** Returns the host pattern unchanged when it is a safe account host ('%', '10.0.0.%', 'app1.internal'). */
export function assertAccountHost(host: string): string {
  if (!HOST_PATTERN.test(host)) throw new Error(`Unsafe MySQL account host: ${JSON.stringify(host)}`);
  return host;
}

/** `'user'@'host'` of a validated account. */
export function quoteAccount(user: string, host: string): string {
  if (!USER_NAME.test(user)) throw new Error(`Unsafe MySQL user name: ${JSON.stringify(user)}`);
  return `'${user}'@'${assertAccountHost(host)}'`;
}

/**
 * A database name as a GRANT target: `_` and `%` are wildcards there, so `rent_1`.* would also
 * grant `rentx1`; escaped, it names exactly one database.
 */
export function grantDatabase(databaseName: string): string {
  return '`' + assertDbName(databaseName).replace(/_/g, '\\_') + '`';
}

type Db = Connection | Pool | PoolConnection;

/**
 * Makes sure the account exists with exactly this password and exactly the data privileges on
 * `databaseName`. Every statement is idempotent, so a run cut short anywhere (a killed worker)
 * completes when run again; an account of that name left from before loses whatever else it held.
 * `afterCreate` runs between creating the account and granting it (a test freezes a worker there).
 */
export async function ensureTenantDbUser(
  db: Db,
  account: TenantDbAccount,
  databaseName: string,
  opts: { afterCreate?: () => Promise<void> } = {},
): Promise<void> {
  const who = quoteAccount(account.user, account.host);
  await db.query(`CREATE USER IF NOT EXISTS ${who} IDENTIFIED BY ?`, [account.password]);
  await opts.afterCreate?.();
  await db.query(`ALTER USER ${who} IDENTIFIED BY ?`, [account.password]);
  await db.query(`REVOKE ALL PRIVILEGES, GRANT OPTION FROM ${who}`);
  await db.query(`GRANT ${TENANT_DB_PRIVILEGES} ON ${grantDatabase(databaseName)}.* TO ${who}`);
}

/** Drops a tenant's account (with its database, at purge). Absent is fine. */
export async function dropTenantDbUser(db: Db, user: string, host: string): Promise<void> {
  await db.query(`DROP USER IF EXISTS ${quoteAccount(user, host)}`);
}

/**
 * The MySQL role of a tenant database: the same data privileges as the tenant's account, held by
 * the tenant app's role account so a shared connection switches tenant with `SET ROLE` instead of
 * COM_CHANGE_USER (docs/privileges.md, The tenant app's switch). `kgr_` and the database name when
 * that fits 32 characters, else `kgr_` and a hash; the prefix keeps roles apart from the tenant
 * accounts, which are named after the database itself. Derived, never stored.
 */
export function tenantDbRoleName(databaseName: string): string {
  assertDbName(databaseName);
  const name = `kgr_${databaseName}`;
  if (name.length <= MAX_USER_LENGTH) return name;
  return `kgr_${crypto.createHash('sha256').update(databaseName).digest('hex').slice(0, MAX_USER_LENGTH - 4)}`;
}

/** A role name as SQL: checked like a user name, quoted with backticks. */
export function quoteRole(role: string): string {
  if (!USER_NAME.test(role)) throw new Error(`Unsafe MySQL role name: ${JSON.stringify(role)}`);
  return '`' + role + '`';
}

/**
 * Makes sure the tenant database's role exists with exactly the data privileges on it and, when
 * `grantee` (the tenant app's role account, `'user'@'host'` parts) is given, that the account holds
 * it. Idempotent like ensureTenantDbUser; MariaDB grants a new role to its creator as well, which
 * only adds to what the provisioner's own account can already do.
 */
export async function ensureTenantDbRole(
  db: Db,
  role: string,
  databaseName: string,
  grantee?: { user: string; host: string },
): Promise<void> {
  const r = quoteRole(role);
  await db.query(`CREATE ROLE IF NOT EXISTS ${r}`);
  await db.query(`REVOKE ALL PRIVILEGES, GRANT OPTION FROM ${r}`);
  await db.query(`GRANT ${TENANT_DB_PRIVILEGES} ON ${grantDatabase(databaseName)}.* TO ${r}`);
  if (grantee) await db.query(`GRANT ${r} TO ${quoteAccount(grantee.user, grantee.host)}`);
}

/** Drops a tenant database's role (with its database, at purge). Absent is fine. */
export async function dropTenantDbRole(db: Db, role: string): Promise<void> {
  await db.query(`DROP ROLE IF EXISTS ${quoteRole(role)}`);
}

/**
 * Makes sure the tenant app's role account exists with this password and no default role (it is
 * created without privileges and nothing grants it any but tenant roles): a connection signed in as it can do nothing until `SET ROLE` names a tenant's
 * role (set-up and tests; docs/privileges.md).
 */
export async function ensureRoleAccount(db: Db, account: TenantDbAccount): Promise<void> {
  const who = quoteAccount(account.user, account.host);
  await db.query(`CREATE USER IF NOT EXISTS ${who} IDENTIFIED BY ?`, [account.password]);
  await db.query(`ALTER USER ${who} IDENTIFIED BY ?`, [account.password]);
  // No REVOKE ALL here: in MariaDB it also takes back every tenant role the account was granted.
  await db.query(`SET DEFAULT ROLE NONE FOR ${who}`);
}
