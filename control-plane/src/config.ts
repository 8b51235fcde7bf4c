import { z } from 'zod';
import { envx, loadDotEnv, mysqlEnvSchema, parseEnv, redisEnvSchema } from '@kg/shared';

const masterKey = z
  .string({ message: 'is required: 32 random bytes, base64 (openssl rand -base64 32)' })
  .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes encoded as base64 (openssl rand -base64 32)');

/** Every setting of the control plane, read once from the environment (and `.env`). */
export const controlPlaneEnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CONTROL_PLANE_PORT: envx.int(4001, 0, 65535),
  CONTROL_PLANE_PUBLIC_URL: envx.str('http://localhost:4001'),
  TRUST_PROXY: envx.bool(false),
  ...mysqlEnvSchema,
  MYSQL_POOL_SIZE: envx.int(10, 1, 200),
  CONTROL_DB_NAME: envx.str('admin_tenant_management'),
  TEMPLATE_DB_NAME: envx.str('kargerdensales'),
  ...redisEnvSchema,
  BASE_DOMAIN: envx.str('localhost'),
  TENANT_APP_PORT: envx.int(3000, 0, 65535),
  MASTER_KEY: masterKey,
  JWT_ISSUER: envx.str('kg-control-plane'),
  ACCESS_TOKEN_TTL_SECONDS: envx.int(3600, 60),
  REFRESH_TOKEN_TTL_SECONDS: envx.int(7 * 24 * 3600, 300),
  BCRYPT_COST: envx.int(12, 4, 15),
  PHONE_PATTERN: envx.str('^1[3-9]\\d{9}$'),
  AUTH_MAX_FAILED_ATTEMPTS: envx.int(5, 1, 100),
  AUTH_LOCKOUT_MINUTES: envx.int(15, 1, 24 * 60),
  BOOTSTRAP_ADMIN_USERNAME: envx.str('admin'),
  BOOTSTRAP_ADMIN_PASSWORD: envx.optionalStr(),
  TENANT_PURGE_GRACE_DAYS: envx.int(30, 0, 3650),
});

export type ControlPlaneConfig = Readonly<z.infer<typeof controlPlaneEnvSchema>>;

/** Loads `.env`, validates the environment, and returns the frozen config (fails naming the variable). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ControlPlaneConfig {
  loadDotEnv();
  return parseEnv(controlPlaneEnvSchema, env);
}
