import { z } from 'zod';
import { asServiceAccount, envx, loadDotEnv, masterKeyEnv, mysqlEnvSchema, parseEnv, redisEnvSchema } from '@kg/shared';
import { checkProviderEnv, providerEnvSchema } from '@kg/shared/providers/factory';

/** Every setting of the tenant app, read once from the environment (and `.env`). */
export const tenantAppEnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TENANT_APP_PORT: envx.int(3000, 0, 65535),
  TRUST_PROXY: envx.bool(false),
  /** Cluster mode: /metrics of any instance shows every instance's metrics, gathered over Redis. */
  METRICS_AGGREGATE: envx.bool(false),
  /** Bearer token /metrics requires; unset: open in development and test, not served in production. */
  METRICS_TOKEN: envx.optionalStr().refine((v) => v === undefined || v.length >= 16, 'must be at least 16 characters'),
  /** Tenants are served on `{tenantCode}.{BASE_DOMAIN}`. */
  BASE_DOMAIN: envx.str('localhost'),
  /** Control plane base URL: JWKS (`/.well-known/jwks.json`) and the AI bridge. */
  CONTROL_PLANE_URL: envx.str('http://127.0.0.1:4001'),
  JWT_ISSUER: envx.str('kg-control-plane'),
  /**
   * Ended sign-ins and "valid after" moments are announced over Redis and refused at once; this
   * is the safety net behind them: revocations written meanwhile are read from the control
   * database this often (an announcement that was never published).
   */
  REVOCATION_RELOAD_MS: envx.int(10_000, 100, 600_000),
  /** A token with an unknown key id refetches the JWKS at most this often. */
  JWKS_REFETCH_INTERVAL_MS: envx.int(5_000, 0),
  /** MySQL server of the control database; also the default server of tenants without db_server_id. */
  ...mysqlEnvSchema,
  /**
   * The tenant app's own account for the control database (docs/privileges.md, Service accounts):
   * reads only. Unset: MYSQL_USER. Tenant databases are reached as TENANT_DB_ROLE_USER.
   */
  TENANT_APP_MYSQL_USER: envx.optionalStr(),
  TENANT_APP_MYSQL_PASSWORD: z.string().default(''),
  /** Opens the sealed passwords of the tenant databases' own MySQL accounts (same key as the control plane). */
  MASTER_KEY: masterKeyEnv,
  CONTROL_DB_NAME: envx.str('admin_tenant_management'),
  CONTROL_DB_POOL_SIZE: envx.int(4, 1, 100),
  /** The most MySQL connections this process holds to tenant databases, whatever the number of tenants. */
  TENANT_DB_MAX_CONNECTIONS: envx.int(20, 1, 1000),
  /** Idle tenant connections are closed after this long. */
  TENANT_DB_IDLE_TIMEOUT_MS: envx.int(60_000, 1_000),
  /** A request waiting longer than this for a tenant connection answers 503. */
  TENANT_DB_ACQUIRE_TIMEOUT_MS: envx.int(10_000, 100),
  /**
   * Run each tenant's statements with only that tenant database's privileges, switching shared
   * connections per tenant (docs/privileges.md, The tenant app's switch). Off: the server's account
   * and the statement guard alone.
   */
  TENANT_DB_SWITCH_USER: envx.bool(true),
  /**
   * How a shared connection switches tenant: `role` signs in as TENANT_DB_ROLE_USER, which holds
   * every tenant database's role and nothing else, and switches with SET ROLE (cheap);
   * `change_user` signs in as the tenant's own account with COM_CHANGE_USER (MariaDB answers it
   * with a second authentication round trip and a session reset).
   */
  TENANT_DB_SWITCH_WITH: z.enum(['role', 'change_user']).default('role'),
  /**
   * How a read that needs `SET ROLE` first reaches MariaDB (docs/privileges.md, The tenant app's
   * switch): `one_write` sends both in one write, `separate` waits for SET ROLE's answer first,
   * `multi_statement` sends `SET ROLE x;<read>` as one text on connections that allow several
   * statements per text.
   */
  TENANT_DB_ROLE_SWITCH: z.enum(['one_write', 'separate', 'multi_statement']).default('one_write'),
  /** The role account (see TENANT_DB_SWITCH_WITH); the same on every tenant database server. */
  TENANT_DB_ROLE_USER: envx.optionalStr(),
  TENANT_DB_ROLE_PASSWORD: envx.optionalStr(),
  ...redisEnvSchema,
  /** Safety net behind pub/sub invalidation: a cached tenant record is re-read after this long. */
  TENANT_CACHE_TTL_MS: envx.int(60_000, 100),
  /**
   * Safety net behind pub/sub invalidation: how long a user's binding, tenant-local status, roles
   * and permissions are cached when nothing announces a change (edits by hand in the databases).
   * 0 reads them on every request.
   */
  ACCESS_CACHE_TTL_MS: envx.int(300_000, 0),
  /** Upload limits for /api/files. */
  FILE_MAX_BYTES: envx.int(10 * 1024 * 1024, 1),
  FILE_ALLOWED_TYPES: envx.str(
    'image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain,text/csv,video/mp4,' +
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document,' +
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ),
  /** Storage provider settings shared with the control plane (files go under the tenant's storage prefix). */
  ...providerEnvSchema,
  /** Base URL of the AI bridge; defaults to CONTROL_PLANE_URL (the bridge is a control-plane route). */
  AI_BRIDGE_URL: envx.optionalStr(),
  AI_BRIDGE_TIMEOUT_MS: envx.int(60_000, 100),
})
  .superRefine(checkProviderEnv)
  .superRefine((env, ctx) => {
    if (env.TENANT_DB_SWITCH_USER && env.TENANT_DB_SWITCH_WITH === 'role' && !(env.TENANT_DB_ROLE_USER && env.TENANT_DB_ROLE_PASSWORD)) {
      ctx.addIssue({ code: 'custom', path: ['TENANT_DB_ROLE_USER'], message: 'TENANT_DB_ROLE_USER and TENANT_DB_ROLE_PASSWORD are required when TENANT_DB_SWITCH_WITH=role' });
    }
  });

export type TenantAppConfig = Readonly<z.infer<typeof tenantAppEnvSchema>>;

/**
 * Loads `.env`, validates the environment, and returns the frozen config (fails naming the
 * variable). MYSQL_USER / MYSQL_PASSWORD in the result are the account this process signs in
 * with: TENANT_APP_MYSQL_USER when set.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): TenantAppConfig {
  loadDotEnv();
  const config = parseEnv(tenantAppEnvSchema, env);
  return asServiceAccount(config, config.TENANT_APP_MYSQL_USER, config.TENANT_APP_MYSQL_PASSWORD);
}
