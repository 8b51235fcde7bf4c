import { createLogger, createMetrics, createPool, createRedis, mysqlTargetFromConfig, registerPoolMetrics, type Logger } from '@kg/shared';
import type { ControlPlaneConfig } from '../config';
import type { AppContext } from '../context';
import { KeyStore } from '../modules/keys/key-store';
import { TokenService } from '../modules/tokens/token.service';
import { SecretBox } from './crypto';

/** Opens pools and clients for one control-plane process and initialises signing keys. */
export async function buildContext(config: ControlPlaneConfig, logger?: Logger): Promise<AppContext> {
  const log = logger ?? createLogger('control-plane', config.LOG_LEVEL);
  const db = createPool(mysqlTargetFromConfig(config), config.CONTROL_DB_NAME, {
    connectionLimit: config.MYSQL_POOL_SIZE,
  });
  const redis = createRedis(config.REDIS_URL);
  redis.on('error', (err) => log.warn({ err: err.message }, 'redis error'));
  const secrets = new SecretBox(config.MASTER_KEY);
  const keys = new KeyStore(db, secrets);
  const tokens = new TokenService(keys, redis, {
    issuer: config.JWT_ISSUER,
    accessTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
    redisPrefix: config.REDIS_KEY_PREFIX,
  });
  const ctx: AppContext = {
    config,
    logger: log,
    db,
    redis,
    metrics: createMetrics('control-plane'),
    secrets,
    keys,
    tokens,
    key: (...parts) => config.REDIS_KEY_PREFIX + parts.join(':'),
  };
  registerPoolMetrics(ctx.metrics, { control: db });
  await keys.init();
  return ctx;
}

/** Closes what buildContext opened. */
export async function closeContext(ctx: AppContext): Promise<void> {
  await ctx.db.end().catch(() => undefined);
  ctx.redis.disconnect();
}
