// PM2 apps for one VM. Build and prepare first:
//   npm ci && npm run setup
// then: pm2 start ecosystem.config.js
// The control plane and the tenant app run in cluster mode (one worker per core by default);
// the provisioner runs in fork mode and may be replicated (BullMQ shares the work; the daily
// purge is de-duplicated). Nothing depends on being the only instance: revocations, rate
// limits, schedules and caches go through Redis. Settings come from .env (see .env.example).
const instances = (name, fallback) => process.env[name] || fallback;

module.exports = {
  apps: [
    {
      name: 'control-plane',
      script: 'control-plane/dist/start/server.js',
      exec_mode: 'cluster',
      instances: instances('CONTROL_PLANE_INSTANCES', 'max'),
      node_args: '--enable-source-maps',
      kill_timeout: 30000,
      env: { NODE_ENV: 'production' },
    },
    {
      name: 'tenant-app',
      script: 'tenant-app/dist/start/server.js',
      exec_mode: 'cluster',
      instances: instances('TENANT_APP_INSTANCES', 'max'),
      node_args: '--enable-source-maps',
      kill_timeout: 30000,
      env: { NODE_ENV: 'production' },
    },
    {
      name: 'provisioner',
      script: 'provisioner/dist/start/worker.js',
      exec_mode: 'fork',
      instances: instances('PROVISIONER_INSTANCES', 1),
      node_args: '--enable-source-maps',
      // Workers finish their in-flight job before exiting (graceful shutdown).
      kill_timeout: 60000,
      env: { NODE_ENV: 'production', PROVISIONER_METRICS_PORT: '0' },
    },
  ],
};
