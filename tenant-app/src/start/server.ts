import { aggregateAcrossInstances, appServerOptions, ConfigError, createShutdown, listen, signalReady } from '@kg/shared';
import { loadConfig } from '../config';
import { createApp } from '../http/app';
import { buildContext, closeContext } from '../internal/build-context';

/** Entry point of the tenant-app process (PM2 runs one per core in cluster mode). */
async function main(): Promise<void> {
  const config = loadConfig();
  const ctx = await buildContext(config);
  const app = createApp(ctx);
  const server = await listen(app, config.TENANT_APP_PORT, undefined, appServerOptions(app));
  ctx.logger.info({ port: server.port, budget: config.TENANT_DB_MAX_CONNECTIONS }, 'tenant app listening');
  const shutdown = createShutdown(ctx.logger);
  // Stop accepting and finish in-flight requests first; then close tenant connections, pools, Redis.
  shutdown.add('http', () => server.close());
  if (config.METRICS_AGGREGATE) {
    const key = `${config.REDIS_KEY_PREFIX}metrics:tenant-app`;
    shutdown.add('cluster metrics', aggregateAcrossInstances(ctx.metrics, ctx.redis, { key }));
  }
  shutdown.add('context', () => closeContext(ctx));
  shutdown.installSignalHandlers();
  signalReady();
}

main().catch((err) => {
  if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
  else process.stderr.write(`tenant app failed to start: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
