import {
  SecretBox,
  JwksVerifier,
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
import { createProviders } from '@kg/shared/providers/factory';
import type { TenantAppConfig } from '../config';
import type { AppContext } from '../context';
import { AccessService } from '../modules/access/access.service';
import { AiBridgeClient } from '../modules/ai/ai.bridge-client';
import { TenantRegistry, type TenantRecord } from '../modules/tenancy/tenant.registry';
import { ConnectionBudget } from './db/connection-budget';
import { tenantSession } from './db/tenant-session';
import { TenantDb } from './db/tenant-db';
import { registerTenantMetrics } from './metrics';

/** Opens pools and clients for one tenant-app process and subscribes to tenant status changes. */
export async function buildContext(config: TenantAppConfig, logger?: Logger): Promise<AppContext> {
  const log = logger ?? createLogger('tenant-app', config.LOG_LEVEL);
  const controlTarget = mysqlTargetFromConfig(config);
  const controlDb = createPool(controlTarget, config.CONTROL_DB_NAME, { connectionLimit: config.CONTROL_DB_POOL_SIZE });
  // Auto-pipelining: the revocation checks of concurrent requests share one write to Redis.
  const redis = createRedis(config.REDIS_URL, { enableAutoPipelining: true });
  redis.on('error', (err) => log.warn({ err: err.message }, 'redis error'));
  // Subscriber mode needs its own connection; it queues commands while reconnecting.
  const subscriber = createRedis(config.REDIS_URL, { enableOfflineQueue: true, maxRetriesPerRequest: null });
  subscriber.on('error', (err) => log.warn({ err: err.message }, 'redis subscriber error'));

  const budget = new ConnectionBudget({
    budget: config.TENANT_DB_MAX_CONNECTIONS,
    idleTimeoutMs: config.TENANT_DB_IDLE_TIMEOUT_MS,
    acquireTimeoutMs: config.TENANT_DB_ACQUIRE_TIMEOUT_MS,
    roleSwitch: config.TENANT_DB_ROLE_SWITCH,
    logger: log,
  });
  const tenants = new TenantRegistry({
    controlDb,
    defaultServer: controlTarget,
    ttlMs: config.TENANT_CACHE_TTL_MS,
    logger: log,
    secrets: new SecretBox(config.MASTER_KEY),
  });
  const revocations = new SessionRevocations({ db: controlDb, reloadIntervalMs: config.REVOCATION_RELOAD_MS, logger: log });
  const verifier = new JwksVerifier({
    jwksUrl: new URL('/.well-known/jwks.json', config.CONTROL_PLANE_URL).toString(),
    issuer: config.JWT_ISSUER,
    revocations,
    minRefetchIntervalMs: config.JWKS_REFETCH_INTERVAL_MS,
  });
  const access = new AccessService(controlDb, config.ACCESS_CACHE_TTL_MS, tenants);
  // Local storage or OSS, as the control plane; downloads are streamed by the tenant app itself.
  const { storage } = createProviders({ ...config, CONTROL_PLANE_PUBLIC_URL: config.CONTROL_PLANE_URL }, controlDb);
  const metrics = createMetrics('tenant-app');
  registerPoolMetrics(metrics, { control: controlDb });
  const handles = new WeakMap<TenantRecord, TenantDb>();
  const ctx: AppContext = {
    config,
    logger: log,
    controlDb,
    redis,
    subscriber,
    metrics,
    budget,
    tenants,
    verifier,
    revocations,
    access,
    storage,
    aiBridge: new AiBridgeClient(config.AI_BRIDGE_URL ?? config.CONTROL_PLANE_URL, config.AI_BRIDGE_TIMEOUT_MS),
    // A handle is immutable and holds no connection, so one per registry record is enough.
    tenantDb: (tenant) => {
      let db = handles.get(tenant);
      if (!db) {
        const { server, as } = tenantSession(config, tenant);
        handles.set(tenant, (db = new TenantDb(tenant.tenantCode, tenant.databaseName, server, budget, as)));
      }
      return db;
    },
  };
  registerTenantMetrics(ctx);
  await waitForRedis(subscriber, 5000).catch(() => undefined);
  await tenants.subscribe(subscriber, config.REDIS_KEY_PREFIX);
  await access.listen(subscriber, config.REDIS_KEY_PREFIX);
  await revocations.start(subscriber, config.REDIS_KEY_PREFIX);
  // Warm the key set; a control plane that is not up yet is fetched again on the first token.
  await verifier.refresh().catch((err) => log.warn({ err: (err as Error).message }, 'JWKS not reachable yet'));
  return ctx;
}

/** Closes what buildContext opened. */
export async function closeContext(ctx: AppContext): Promise<void> {
  ctx.revocations.stop();
  await ctx.tenants.close();
  await ctx.budget.close();
  await ctx.controlDb.end().catch(() => undefined);
  ctx.redis.disconnect();
  ctx.subscriber.disconnect();
}
