import {
  bullPrefix,
  createLogger,
  createMetrics,
  createPool,
  createRedis,
  mysqlTargetFromConfig,
  registerPoolMetrics,
  SecretBox,
  type Logger,
} from '@kg/shared';
import type { ProvisionerConfig } from '../config';
import type { ProvisionerContext } from '../context';

export async function buildContext(config: ProvisionerConfig, logger?: Logger): Promise<ProvisionerContext> {
  const log = logger ?? createLogger('provisioner', config.LOG_LEVEL);
  const db = createPool(mysqlTargetFromConfig(config), config.CONTROL_DB_NAME, { connectionLimit: 10 });
  const redis = createRedis(config.REDIS_URL, { enableOfflineQueue: true, maxRetriesPerRequest: null });
  redis.on('error', (err) => log.warn({ err: err.message }, 'redis error'));
  const url = new URL(config.REDIS_URL);
  const metrics = createMetrics('provisioner');
  registerPoolMetrics(metrics, { control: db });
  return {
    config,
    logger: log,
    db,
    redis,
    bullConnection: {
      host: url.hostname,
      port: Number(url.port || 6379),
      password: url.password || undefined,
      db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
      maxRetriesPerRequest: null,
    },
    bullPrefix: bullPrefix(config.REDIS_KEY_PREFIX),
    metrics,
    secrets: new SecretBox(config.MASTER_KEY),
  };
}

export async function closeContext(ctx: ProvisionerContext): Promise<void> {
  await ctx.db.end().catch(() => undefined);
  ctx.redis.disconnect();
}
