import { z } from 'zod';
import { envx, loadDotEnv, mysqlEnvSchema, parseEnv, redisEnvSchema } from '@kg/shared';

/** Every setting of the provisioner, read once from the environment (and `.env`). */
export const provisionerEnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ...mysqlEnvSchema,
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
  PROVISIONER_BACKOFF_MS: envx.int(2_000, 10),
  /** Port of the worker's /metrics and /health endpoint (0 disables). */
  PROVISIONER_METRICS_PORT: envx.int(4002, 0, 65535),
});

export type ProvisionerConfig = Readonly<z.infer<typeof provisionerEnvSchema>>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ProvisionerConfig {
  loadDotEnv();
  return parseEnv(provisionerEnvSchema, env);
}
