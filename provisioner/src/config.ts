import { z } from 'zod';
import { asServiceAccount, envx, loadDotEnv, masterKeyEnv, mysqlEnvSchema, parseEnv, providerEnvSchema, redisEnvSchema } from '@kg/shared';

/** Every setting of the provisioner, read once from the environment (and `.env`). */
export const provisionerEnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ...mysqlEnvSchema,
  /**
   * The provisioner's own MySQL account (docs/privileges.md, Service accounts); unset: it signs in
   * with MYSQL_USER. `npm run db:accounts` creates it and makes it the local database server's account.
   */
  PROVISIONER_MYSQL_USER: envx.optionalStr(),
  PROVISIONER_MYSQL_PASSWORD: z.string().default(''),
  /** Seals the password of each tenant database's MySQL account (the control plane and tenant app use the same key). */
  MASTER_KEY: masterKeyEnv,
  /**
   * Host pattern of the tenant databases' MySQL accounts ('user'@'<this>'): '%' lets the tenant
   * app connect from anywhere; in production name the tenant-app hosts ('10.0.1.%'), with
   * skip_name_resolve by address (docs/privileges.md, Tenant database users).
   */
  TENANT_DB_USER_HOST: envx.str('%').refine((v) => /^[A-Za-z0-9.%_:-]{1,255}$/.test(v), 'must be a MySQL host pattern such as % or 10.0.1.%'),
  /**
   * The tenant app's role account (same setting there): each tenant database also gets a role with
   * its account's privileges, granted to '<this>'@'<TENANT_DB_USER_HOST>', so the tenant app can
   * switch tenant with SET ROLE. Unset: roles are made but granted to nobody. With the password
   * set the account is created when missing (docs/privileges.md, The tenant app's switch).
   */
  TENANT_DB_ROLE_USER: envx.optionalStr(),
  TENANT_DB_ROLE_PASSWORD: envx.optionalStr(),
  CONTROL_DB_NAME: envx.str('admin_tenant_management'),
  TEMPLATE_DB_NAME: envx.str('kargerdensales'),
  ...redisEnvSchema,
  BASE_DOMAIN: envx.str('localhost'),
  /** Jobs processed at once per queue by one provisioner process. */
  PROVISIONER_CONCURRENCY: envx.int(2, 1, 64),
  /** BullMQ lock duration: a killed worker's job is taken over after about this long. */
  PROVISIONER_LOCK_MS: envx.int(30_000, 500),
  PROVISIONER_STALLED_INTERVAL_MS: envx.int(15_000, 200),
  PROVISIONER_MAX_ATTEMPTS: envx.int(5, 1, 50),
  /** Times a job may lose its worker (crash, SIGKILL) before BullMQ gives up on it. */
  PROVISIONER_MAX_STALLED_COUNT: envx.int(5, 0, 100),
  /**
   * How often the reconciler looks for work whose queue job was lost (Redis data loss, a job
   * BullMQ gave up on); it also runs once at start. 0 turns it off. See docs/recovery.md.
   */
  RECONCILE_INTERVAL_MS: envx.int(60_000, 0, 86_400_000),
  /**
   * A tenant, cleanup entry or rollout without a live job counts as stuck after this long without
   * progress. Must exceed the longest single provisioning step.
   */
  PROVISIONER_STUCK_AFTER_MS: envx.int(120_000, 0, 86_400_000),
  PROVISIONER_BACKOFF_MS: envx.int(2_000, 10),
  /** Port of the worker's /metrics and /health endpoint (0 disables). */
  PROVISIONER_METRICS_PORT: envx.int(4002, 0, 65535),
  /** When the daily purge of due cleanup entries runs (node-cron syntax; fires once across replicas). */
  CLEANUP_CRON: envx.str('0 3 * * *'),
  /** When yesterday's (UTC) AI calls are rolled up into tenant_ai_usage_summary (fires once across replicas). */
  USAGE_ROLLUP_CRON: envx.str('15 0 * * *'),
  /** When last month's (UTC) billing_records are written (fires once across replicas). */
  BILLING_CRON: envx.str('0 1 1 * *'),
  /** Failed purge attempts of one resource before it is marked failed (with a security event). */
  CLEANUP_MAX_RETRIES: envx.int(3, 1, 20),
  /** First retry delay of a failed purge; doubles on each retry. */
  CLEANUP_RETRY_BACKOFF_MS: envx.int(60_000, 10),
  /** Objects listed and deleted per page when a storage prefix is emptied. */
  CLEANUP_PAGE_SIZE: envx.int(500, 1, 1000),
  /** Files under {prefix}temp/ older than this many days are removed daily. */
  TEMP_RETENTION_DAYS: envx.int(7, 0, 3650),
  /** Where final backups of purged tenant databases go (relative paths from the repository root). */
  BACKUP_DIR: envx.str('.data/backups'),
  /** mysqldump binary for backups; "none" writes the SQL dump in code instead. */
  BACKUP_MYSQLDUMP: envx.str('mysqldump'),
  /** mysql client binary a restore loads a dump with. */
  BACKUP_MYSQL: envx.str('mysql'),
  /** When the daily backup of the control DB, the template and every tenant DB runs (fires once across replicas). */
  BACKUP_CRON: envx.str('30 2 * * *'),
  /** Scheduled and manual backups older than this many days are removed (final pre-purge backups are kept). */
  BACKUP_RETENTION_DAYS: envx.int(14, 1, 3650),
  /** Databases dumped at once by a backup run. */
  BACKUP_CONCURRENCY: envx.int(4, 1, 32),
  /** Tenant databases migrated at once during a schema rollout (across all workers). */
  ROLLOUT_CONCURRENCY: envx.int(4, 1, 64),
  /** Folder of tenant schema migrations; default templates-db/migrations. */
  TEMPLATE_MIGRATIONS_DIR: envx.optionalStr(),
  /** DNS and storage providers (local or Alibaba Cloud); the lifecycle removes and recreates records and empties prefixes. */
  ...providerEnvSchema,
  /** Connections one tenant clone runs its CREATE TABLE statements over (the clone dominates provisioning). */
  PROVISIONER_CLONE_CONNECTIONS: envx.int(3, 1, 16),
  /** How long the "create admin" step waits for the control plane to hash a new admin's one-time password. */
  PROVISIONER_PASSWORD_WAIT_MS: envx.int(15_000, 0, 600_000),
  /** How long a create pipeline waits for another pipeline of the same tenant before retrying later. */
  PROVISIONER_TENANT_LOCK_WAIT_MS: envx.int(10_000, 0, 600_000),
  /**
   * Tests only: `<step>:<before|mid|after>:<hang|fail|flaky>` freezes the worker at that point
   * (to SIGKILL it), fails the step permanently, or fails its first two attempts. Ignored in production.
   */
  PROVISIONER_FAULT: envx.optionalStr(),
});

export type ProvisionerConfig = Readonly<z.infer<typeof provisionerEnvSchema>>;

/**
 * Loads `.env`, validates the environment, and returns the frozen config. MYSQL_USER /
 * MYSQL_PASSWORD in the result are the account this process signs in with: PROVISIONER_MYSQL_USER
 * when set (docs/privileges.md, Service accounts).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ProvisionerConfig {
  loadDotEnv();
  const config = parseEnv(provisionerEnvSchema, env);
  return asServiceAccount(config, config.PROVISIONER_MYSQL_USER, config.PROVISIONER_MYSQL_PASSWORD);
}
