import {
  SessionRevocations,
  createLogger,
  createMetrics,
  createPool,
  createRedis,
  mysqlTargetFromConfig,
  registerPoolMetrics,
  waitForRedis,
  type Logger,
} from '@kg/shared';
import type { ControlPlaneConfig } from '../config';
import type { AppContext } from '../context';
import { AdminDirectory } from '../modules/admin-auth/admin-directory';
import { BridgeDirectory } from '../modules/ai-bridge/bridge-directory';
import { ChargeQueue } from '../modules/ai-bridge/charge-queue';
import { KeyStore } from '../modules/keys/key-store';
import { StorageAccess } from '../modules/storage/credential-access';
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
  // Subscriber mode needs its own connection; it queues commands while reconnecting.
  const subscriber = createRedis(config.REDIS_URL, { enableOfflineQueue: true, maxRetriesPerRequest: null });
  subscriber.on('error', (err) => log.warn({ err: err.message }, 'redis subscriber error'));
  const secrets = new SecretBox(config.MASTER_KEY);
  const keys = new KeyStore(db, secrets);
  const revocations = new SessionRevocations({ db, reloadIntervalMs: config.REVOCATION_RELOAD_MS, logger: log });
  const tokens = new TokenService(keys, revocations, {
    issuer: config.JWT_ISSUER,
    accessTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
  });
  const metrics = createMetrics('control-plane');
  const ctx: AppContext = {
    config,
    logger: log,
    db,
    redis,
    subscriber,
    revocations,
    admins: new AdminDirectory(db, config.ADMIN_CACHE_TTL_MS, revocations),
    storageAccess: new StorageAccess(db, config.STORAGE_ACCESS_CACHE_TTL_MS),
    bridgeDirectory: new BridgeDirectory(db, config.AI_BRIDGE_CACHE_TTL_MS),
    aiCharges: new ChargeQueue(db, log, metrics, { retryMs: config.AI_CHARGE_RETRY_MS, maxAttempts: config.AI_CHARGE_MAX_ATTEMPTS }),
    metrics,
    secrets,
    keys,
    tokens,
    key: (...parts) => config.REDIS_KEY_PREFIX + parts.join(':'),
  };
  registerPoolMetrics(ctx.metrics, { control: db });
  await keys.init();
  await waitForRedis(subscriber, 5000).catch(() => undefined);
  await revocations.start(subscriber, config.REDIS_KEY_PREFIX);
  await ctx.storageAccess.listen(subscriber, config.REDIS_KEY_PREFIX);
  await ctx.bridgeDirectory.listen(subscriber, config.REDIS_KEY_PREFIX);
  return ctx;
}

/** Closes what buildContext opened. */
export async function closeContext(ctx: AppContext): Promise<void> {
  // Answered AI calls are charged before the pool closes (docs/ai-billing.md, "When the charge is committed").
  const left = await ctx.aiCharges.close(ctx.config.AI_CHARGE_DRAIN_MS);
  if (left) ctx.logger.error({ charges: left }, 'stopped with AI charges not committed; each is logged above');
  ctx.revocations.stop();
  await ctx.db.end().catch(() => undefined);
  ctx.redis.disconnect();
  ctx.subscriber.disconnect();
}
