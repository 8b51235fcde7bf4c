import { z } from 'zod';
import { asServiceAccount, checkProviderEnv, envx, isAllowHostEntry, isSecretRef, loadDotEnv, masterKeyEnv, mysqlEnvSchema, parseEnv, providerEnvSchema, redisEnvSchema } from '@kg/shared';

/** Every setting of the control plane, read once from the environment (and `.env`). */
export const controlPlaneEnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CONTROL_PLANE_PORT: envx.int(4001, 0, 65535),
  CONTROL_PLANE_PUBLIC_URL: envx.str('http://localhost:4001'),
  /** One reverse proxy in front: req.ip is the address it appended to X-Forwarded-For (docs/security.md, Abuse limits). */
  TRUST_PROXY: envx.bool(false),
  /** Cluster mode: /metrics of any instance shows every instance's metrics, gathered over Redis. */
  METRICS_AGGREGATE: envx.bool(false),
  /** Bearer token /metrics requires; unset: open in development and test, not served in production. */
  METRICS_TOKEN: envx.optionalStr().refine((v) => v === undefined || v.length >= 16, 'must be at least 16 characters'),
  ...mysqlEnvSchema,
  /**
   * The control plane's own MySQL account (docs/privileges.md, Service accounts); unset: it signs
   * in with MYSQL_USER. `npm run db:accounts` creates it.
   */
  CONTROL_PLANE_MYSQL_USER: envx.optionalStr(),
  CONTROL_PLANE_MYSQL_PASSWORD: z.string().default(''),
  MYSQL_POOL_SIZE: envx.int(10, 1, 200),
  CONTROL_DB_NAME: envx.str('admin_tenant_management'),
  TEMPLATE_DB_NAME: envx.str('kargerdensales'),
  ...redisEnvSchema,
  BASE_DOMAIN: envx.str('localhost'),
  TENANT_APP_PORT: envx.int(3000, 0, 65535),
  MASTER_KEY: masterKeyEnv,
  JWT_ISSUER: envx.str('kg-control-plane'),
  ACCESS_TOKEN_TTL_SECONDS: envx.int(3600, 60),
  REFRESH_TOKEN_TTL_SECONDS: envx.int(7 * 24 * 3600, 300),
  /**
   * Revocations are announced over Redis and refused at once; this is the safety net behind them:
   * every instance reads the revocations written meanwhile this often (a failed announcement).
   */
  REVOCATION_RELOAD_MS: envx.int(10_000, 100, 600_000),
  /** An admin's role and status are cached this long when no change is announced (edits by hand in SQL). */
  ADMIN_CACHE_TTL_MS: envx.int(30_000, 0, 600_000),
  BCRYPT_COST: envx.int(12, 4, 15),
  PHONE_PATTERN: envx.str('^1[3-9]\\d{9}$'),
  AUTH_MAX_FAILED_ATTEMPTS: envx.int(5, 1, 100),
  AUTH_LOCKOUT_MINUTES: envx.int(15, 1, 24 * 60),
  BOOTSTRAP_ADMIN_USERNAME: envx.str('admin'),
  BOOTSTRAP_ADMIN_PASSWORD: envx.optionalStr(),
  TENANT_PURGE_GRACE_DAYS: envx.int(30, 0, 3650),
  /**
   * DNS and storage providers (docs/control-plane.md, "Providers"); the lifecycle removes and
   * recreates records and empties prefixes.
   */
  ...providerEnvSchema,
  /** Default number of tenant databases migrated at once by a schema rollout. */
  ROLLOUT_CONCURRENCY: envx.int(4, 1, 64),
  /** SMS verification codes (docs/auth.md, "SMS codes"): lifetime, tries, resend throttle, daily cap per phone. */
  SMS_CODE_TTL_SECONDS: envx.int(300, 30, 3600),
  SMS_MAX_ATTEMPTS: envx.int(5, 1, 20),
  SMS_RESEND_SECONDS: envx.int(60, 1, 3600),
  SMS_DAILY_LIMIT: envx.int(10, 1, 1000),
  /**
   * Abuse limits (docs/security.md, Abuse limits), counted in Redis so every instance shares them:
   * attempts per client IP and per account (phone or username) in a window, on sign-in (admin and
   * user, counted apart), register and send-code; over a limit -> 429 with Retry-After.
   */
  RATE_LIMIT_SIGN_IN_PER_IP: envx.int(30, 1),
  RATE_LIMIT_SIGN_IN_PER_ACCOUNT: envx.int(10, 1),
  RATE_LIMIT_SIGN_IN_WINDOW_SECONDS: envx.int(60, 1, 86_400),
  RATE_LIMIT_REGISTER_PER_IP: envx.int(10, 1),
  RATE_LIMIT_REGISTER_PER_ACCOUNT: envx.int(5, 1),
  RATE_LIMIT_REGISTER_WINDOW_SECONDS: envx.int(3600, 1, 86_400),
  RATE_LIMIT_SEND_CODE_PER_IP: envx.int(10, 1),
  RATE_LIMIT_SEND_CODE_PER_ACCOUNT: envx.int(5, 1),
  RATE_LIMIT_SEND_CODE_WINDOW_SECONDS: envx.int(3600, 1, 86_400),
  /**
   * Failed recharge-card redeems (unknown, used or expired code) per tenant and per user in a
   * window; beyond it every redeem answers 429 until the window frees (docs/security.md, Abuse limits).
   */
  RATE_LIMIT_REDEEM_FAILURES: envx.int(10, 1),
  RATE_LIMIT_REDEEM_WINDOW_SECONDS: envx.int(3600, 1, 86_400),
  /** Password hashes and compares per second across all instances (429 beyond). */
  PASSWORD_HASH_GLOBAL_PER_SECOND: envx.int(40, 1),
  /** Hashes one process lets wait for a hashing thread (503 with Retry-After beyond). */
  PASSWORD_HASH_QUEUE_MAX: envx.int(32, 0, 10_000),
  /**
   * Lifetime of local storage credentials from POST /api/v1/oss/sts-token (1 h by default); they
   * are checked per request, so revoking them does not wait for it. Cloud STS credentials are
   * issued for the provider's shortest duration instead (docs/privileges.md, Storage credentials).
   */
  STS_DURATION_SECONDS: envx.int(3600, 900, 43_200),
  /**
   * Whether a user may still use local storage credentials in a tenant is kept this long when no
   * change is announced (edits by hand in SQL); announced changes apply at once.
   */
  STORAGE_ACCESS_CACHE_TTL_MS: envx.int(60_000, 0, 600_000),
  /** Largest object accepted by the local storage endpoint (PUT /api/storage/objects/...). */
  STORAGE_MAX_UPLOAD_BYTES: envx.int(50 * 1024 * 1024, 1),
  /** Create pipeline jobs (POST /api/tenant/create): attempts and first backoff delay (doubles each retry). */
  PROVISIONER_MAX_ATTEMPTS: envx.int(5, 1, 50),
  PROVISIONER_BACKOFF_MS: envx.int(2_000, 10),
  /** AI providers (docs/ai-billing.md, "Providers"): time per attempt, retries on 429/5xx, first backoff. */
  AI_PROVIDER_TIMEOUT_MS: envx.int(60_000, 100, 600_000),
  AI_PROVIDER_MAX_RETRIES: envx.int(2, 0, 10),
  AI_PROVIDER_BACKOFF_MS: envx.int(500, 1, 60_000),
  /** A model is skipped after this many failures in a row, for this long, then tried once (half-open). */
  AI_BREAKER_FAILURES: envx.int(5, 1, 1000),
  AI_BREAKER_COOLDOWN_MS: envx.int(30_000, 10, 3_600_000),
  /**
   * How long the bridge keeps a caller's binding, tenant and plan, the models and a tenant's model
   * settings when no change is announced (edits by hand in SQL); announced changes apply at once,
   * 0 reads them on every call (docs/ai-billing.md, "Bridge overhead").
   */
  AI_BRIDGE_CACHE_TTL_MS: envx.int(30_000, 0, 600_000),
  /**
   * Charges are committed after the answer (docs/ai-billing.md, "When the charge is committed"):
   * a failed commit is retried after this long, doubling up to 30 s, at most AI_CHARGE_MAX_ATTEMPTS
   * times; a graceful stop waits up to AI_CHARGE_DRAIN_MS for charges still pending.
   */
  AI_CHARGE_RETRY_MS: envx.int(500, 1, 60_000),
  AI_CHARGE_MAX_ATTEMPTS: envx.int(20, 1, 1000),
  AI_CHARGE_DRAIN_MS: envx.int(10_000, 0, 600_000),
  /** AI calls per tenant and minute when the tenant's plan names none. */
  AI_DEFAULT_RATE_LIMIT_PER_MINUTE: envx.int(100, 1, 1_000_000),
  /**
   * Outbound targets chosen by operators (database servers, AI endpoints) on private, loopback or
   * link-local addresses are refused unless listed here (comma-separated host names, addresses or
   * CIDR ranges, e.g. `10.0.2.0/24,models.internal`); development and test allow loopback.
   */
  OUTBOUND_ALLOW_HOSTS: z
    .string()
    .default('')
    .refine((v) => v.split(',').map((h) => h.trim()).filter(Boolean).every(isAllowHostEntry), 'must list host names, addresses or CIDR ranges'),
  /** Older name of OUTBOUND_ALLOW_HOSTS (it was for AI endpoints); its entries are added to it. */
  AI_ENDPOINT_ALLOW_HOSTS: z.string().default(''),
  /**
   * The secret references a database server may be registered with (comma-separated `env:NAME`,
   * NAME ending in PASSWORD). Nothing else is accepted, so a server cannot be pointed at another
   * secret of the process.
   */
  DB_SERVER_SECRET_REFS: z
    .string()
    .default('env:MYSQL_PASSWORD')
    .refine(
      (v) => v.split(',').map((r) => r.trim()).filter(Boolean).every((r) => isSecretRef(r) && r !== 'env:BOOTSTRAP_ADMIN_PASSWORD'),
      'must list env:NAME references, NAME ending in PASSWORD (never BOOTSTRAP_ADMIN_PASSWORD)',
    ),
  /**
   * How long registering a database server waits for its connection. A failed check is answered
   * only after this long, whatever the reason, so answers cannot tell a closed port from a
   * filtered one.
   */
  DB_SERVER_CONNECT_TIMEOUT_MS: envx.int(4000, 100, 60_000),
  /**
   * Where the signed checkpoint of the audit chain head is written, outside the database
   * (docs/privileges.md, Audit); `npm run audit:verify` reads it from here.
   */
  AUDIT_CHECKPOINT_DIR: envx.str('.data/audit'),
  /** How often the checkpoint is written (at most a minute); also on shutdown. */
  AUDIT_CHECKPOINT_INTERVAL_MS: envx.int(30_000, 100, 60_000),
  /** Tenant database names are this prefix plus the code's digits (k001 -> rent001; tenantDatabaseName). */
  TENANT_DB_PREFIX: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,40}$/, 'must be a letter then letters, digits or _').default('rent'),
}).superRefine(checkProviderEnv);

export type ControlPlaneConfig = Readonly<z.infer<typeof controlPlaneEnvSchema>>;

/**
 * Loads `.env`, validates the environment, and returns the frozen config (fails naming the
 * variable). MYSQL_USER / MYSQL_PASSWORD in the result are the account this process signs in
 * with: CONTROL_PLANE_MYSQL_USER when set, unless `account` is 'setup' (migrations).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, account: 'service' | 'setup' = 'service'): ControlPlaneConfig {
  loadDotEnv();
  const config = parseEnv(controlPlaneEnvSchema, env);
  return account === 'setup' ? config : asServiceAccount(config, config.CONTROL_PLANE_MYSQL_USER, config.CONTROL_PLANE_MYSQL_PASSWORD);
}
