import { createPool, mysqlTargetFromConfig } from '@kg/shared';
import { loadConfig } from '../config';
import { bootstrapSuperAdmin, ensureDefaultDatabaseServer, migrateControlDb } from '../modules/bootstrap/bootstrap';

/**
 * `npm run migrate`: applies control-DB migrations, registers the local DB server, bootstraps the
 * super admin. A set-up step: it signs in with MYSQL_USER, never the control plane's own account
 * (docs/privileges.md, Service accounts); `npm run db:accounts` runs after it.
 */
async function main(): Promise<void> {
  const config = loadConfig(process.env, 'setup');
  const result = await migrateControlDb(config);
  console.log(
    `control database ${config.CONTROL_DB_NAME}: applied [${result.applied.join(', ') || 'none'}], already applied [${result.skipped.join(', ') || 'none'}]`,
  );
  const pool = createPool(mysqlTargetFromConfig(config), config.CONTROL_DB_NAME, { connectionLimit: 2 });
  try {
    await ensureDefaultDatabaseServer(pool, config);
    const admin = await bootstrapSuperAdmin(pool, config);
    if (admin.created && admin.generatedPassword) {
      console.log(`\n  Super admin created: username "${admin.username}", password "${admin.generatedPassword}"`);
      console.log('  This password is shown once. Keep it somewhere safe.\n');
    } else if (admin.created) {
      console.log(`super admin "${admin.username}" created from BOOTSTRAP_ADMIN_PASSWORD`);
    } else {
      console.log(`super admin "${admin.username}" exists`);
    }
  } finally {
    await pool.end();
  }
}

main().catch((err) => {
  console.error((err as Error).message);
  process.exit(1);
});
