import {
  aggregateAcrossInstances,
  appServerOptions,
  createPool,
  listen,
  mysqlTargetFromConfig,
  createShutdown,
  ConfigError,
  signalReady,
} from '@kg/shared';
import { loadConfig } from '../config';
import { createApp } from '../http/app';
import { buildContext, closeContext } from '../internal/build-context';
import { AuditCheckpointer, checkpointPlace } from '../modules/audit/audit.checkpoint';
import { bootstrapSuperAdmin, ensureDefaultDatabaseServer, prepareControlDb } from '../modules/bootstrap/bootstrap';

/** Entry point of the control-plane process (PM2 runs one per core in cluster mode). */
async function main(): Promise<void> {
  const config = loadConfig();
  const ctx = await (async () => {
    // Migrations take a named lock, so replicas starting together apply them once; with its own
    // account the control plane only checks that none is pending (docs/privileges.md, Service accounts).
    await prepareControlDb(config);
    const pool = createPool(mysqlTargetFromConfig(config), config.CONTROL_DB_NAME, { connectionLimit: 2 });
    try {
      await ensureDefaultDatabaseServer(pool, config);
      const admin = await bootstrapSuperAdmin(pool, config);
      if (admin.generatedPassword) {
        process.stdout.write(
          `\n  Super admin created: username "${admin.username}", password "${admin.generatedPassword}"\n` +
            '  This password is shown once. Sign in and change it, or set BOOTSTRAP_ADMIN_PASSWORD next time.\n\n',
        );
      }
    } finally {
      await pool.end();
    }
    return buildContext(config);
  })();
  // The chain head, signed, outside the database: at start, at least every minute, on shutdown.
  const checkpointer = new AuditCheckpointer(ctx.db, checkpointPlace(config, ctx.secrets), ctx.logger);
  await checkpointer.start(config.AUDIT_CHECKPOINT_INTERVAL_MS);
  const app = createApp(ctx);
  // Requests made with the app's own prototypes (docs/request-path.md, Routing).
  const server = await listen(app, config.CONTROL_PLANE_PORT, undefined, appServerOptions(app));
  ctx.logger.info({ port: server.port }, 'control plane listening');
  const shutdown = createShutdown(ctx.logger);
  shutdown.add('http', () => server.close());
  if (config.METRICS_AGGREGATE) {
    shutdown.add('cluster metrics', aggregateAcrossInstances(ctx.metrics, ctx.redis, { key: ctx.key('metrics', 'control-plane') }));
  }
  shutdown.add('audit checkpoint', () => checkpointer.stop());
  shutdown.add('context', () => closeContext(ctx));
  shutdown.installSignalHandlers();
  // Migrated, bootstrapped and listening: PM2 may now stop the worker this one replaces.
  signalReady();
}

main().catch((err) => {
  if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
  else process.stderr.write(`control plane failed to start: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
