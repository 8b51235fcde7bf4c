// PM2 apps for one VM (docs/operations.md). Build and prepare first (migrations, template and
// each app's own MySQL account, made with the set-up account MYSQL_USER):
//   npm ci && npm run setup
// then: pm2 start ecosystem.config.js --env production
// The control plane and the tenant app run in cluster mode (one worker per core by default);
// the provisioner runs in fork mode and may be replicated (BullMQ shares the work; the daily
// purge and backup are de-duplicated). Nothing depends on being the only instance: revocations,
// rate limits, schedules and caches go through Redis. Settings come from .env (see .env.example);
// the variables read here (instances, log folder, provisioner metrics port) come from the shell.
const fs = require('node:fs');
const path = require('node:path');

const instances = (name, fallback) => process.env[name] || fallback;

/**
 * Each app signs in to MySQL with its own account (docs/privileges.md, Service accounts), named
 * in .env and created by `npm run setup` (npm run db:accounts). In production PM2 refuses to start
 * the apps without them rather than run every app as the set-up account (MYSQL_USER).
 */
function checkServiceAccounts() {
  const production = process.argv.includes('production') || process.env.NODE_ENV === 'production';
  if (!production) return;
  const envFile = path.join(__dirname, '.env');
  const dotEnv = fs.existsSync(envFile) ? fs.readFileSync(envFile, 'utf8') : '';
  const isSet = (name) => Boolean(process.env[name]) || new RegExp(`^\\s*${name}\\s*=\\s*\\S`, 'm').test(dotEnv);
  const missing = ['CONTROL_PLANE_MYSQL_USER', 'PROVISIONER_MYSQL_USER', 'TENANT_APP_MYSQL_USER'].filter((n) => !isSet(n));
  if (missing.length) {
    throw new Error(
      `${missing.join(', ')} not set: in production each app signs in with its own MySQL account. ` +
        'Set them and their passwords in .env, run npm run setup, then start again (docs/privileges.md, Service accounts).',
    );
  }
}
checkServiceAccounts();
const logDir = process.env.KG_LOG_DIR || path.join(__dirname, '.data', 'logs');

/** Log files per app; cluster workers write into one file (rotated by deploy/logrotate). */
const logs = (name) => ({
  out_file: path.join(logDir, `${name}.out.log`),
  error_file: path.join(logDir, `${name}.error.log`),
  merge_logs: true,
  // pino writes its own ISO timestamps; PM2 adds none.
  time: false,
});

module.exports = {
  apps: [
    {
      name: 'control-plane',
      script: 'control-plane/dist/start/server.js',
      cwd: __dirname,
      exec_mode: 'cluster',
      instances: instances('CONTROL_PLANE_INSTANCES', 'max'),
      node_args: '--enable-source-maps',
      // Ready once migrations are applied and the port is open (process.send('ready')).
      wait_ready: true,
      listen_timeout: 120000,
      // The app's own shutdown gives up after 25 s (createShutdown); PM2 waits longer.
      kill_timeout: 30000,
      ...logs('control-plane'),
      env: { NODE_ENV: 'development', METRICS_AGGREGATE: 'true' },
      env_production: { NODE_ENV: 'production', METRICS_AGGREGATE: 'true' },
    },
    {
      name: 'tenant-app',
      script: 'tenant-app/dist/start/server.js',
      cwd: __dirname,
      exec_mode: 'cluster',
      instances: instances('TENANT_APP_INSTANCES', 'max'),
      node_args: '--enable-source-maps',
      wait_ready: true,
      listen_timeout: 30000,
      kill_timeout: 30000,
      ...logs('tenant-app'),
      env: { NODE_ENV: 'development', METRICS_AGGREGATE: 'true' },
      env_production: { NODE_ENV: 'production', METRICS_AGGREGATE: 'true' },
    },
    {
      name: 'provisioner',
      script: 'provisioner/dist/start/worker.js',
      cwd: __dirname,
      exec_mode: 'fork',
      instances: instances('PROVISIONER_INSTANCES', 1),
      node_args: '--enable-source-maps',
      wait_ready: true,
      listen_timeout: 30000,
      // Workers finish their in-flight job before exiting; the app gives up after 55 s.
      kill_timeout: 60000,
      ...logs('provisioner'),
      // Each replica serves /metrics and /api/health on its own port: 4002, 4003, ...
      increment_var: 'PROVISIONER_METRICS_PORT',
      env: { NODE_ENV: 'development', PROVISIONER_METRICS_PORT: instances('PROVISIONER_METRICS_PORT', '4002') },
      env_production: { NODE_ENV: 'production', PROVISIONER_METRICS_PORT: instances('PROVISIONER_METRICS_PORT', '4002') },
    },
  ],
};
