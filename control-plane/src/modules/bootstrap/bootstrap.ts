import { appliedVersions, loadMigrations, migrate, mysqlTargetFromConfig, type Logger, type Pool } from '@kg/shared';
import type { ControlPlaneConfig } from '../../config';
import { generatePassword, hashPassword, passwordProblems } from '../../internal/password';
import { CONTROL_MIGRATIONS_DIR } from '../../internal/paths';
import { findSuperAdminUsername, insertSuperAdminIfAbsent } from '../admins/admin.repository';
import { insertFirstDbServer } from '../db-servers/db-server.repository';

/** Applies pending control-database migrations (creates the database when missing). */
export async function migrateControlDb(config: ControlPlaneConfig, logger?: Logger) {
  const result = await migrate(mysqlTargetFromConfig(config), config.CONTROL_DB_NAME, CONTROL_MIGRATIONS_DIR, {
    onApplied: (m) => logger?.info({ migration: m.file }, 'control migration applied'),
  });
  return result;
}

/**
 * Makes the control database ready for this process at start. Signed in as MYSQL_USER it applies
 * pending migrations; signed in as its own account (CONTROL_PLANE_MYSQL_USER), which may not
 * change the schema, it only checks that none is pending: migrations are a set-up step
 * (`npm run migrate`, then `npm run db:accounts` for the grants of new tables; docs/privileges.md).
 */
export async function prepareControlDb(config: ControlPlaneConfig, logger?: Logger): Promise<void> {
  if (!config.CONTROL_PLANE_MYSQL_USER) {
    await migrateControlDb(config, logger);
    return;
  }
  const applied = new Set(await appliedVersions(mysqlTargetFromConfig(config), config.CONTROL_DB_NAME));
  const pending = loadMigrations(CONTROL_MIGRATIONS_DIR).filter((m) => !applied.has(m.version));
  if (pending.length) {
    throw new Error(
      `${pending.length} control-database migration(s) not applied (${pending.map((m) => m.file).join(', ')}); ` +
        `the control plane's account ${config.CONTROL_PLANE_MYSQL_USER} may not change the schema: run npm run migrate and npm run db:accounts`,
    );
  }
}

/**
 * Registers the configured MySQL server as the first `database_servers` row when the table is
 * empty. Its password is referenced, never stored (secret_ref env:MYSQL_PASSWORD).
 */
export async function ensureDefaultDatabaseServer(db: Pool, config: ControlPlaneConfig): Promise<void> {
  await insertFirstDbServer(db, { host: config.MYSQL_HOST, port: config.MYSQL_PORT, username: config.MYSQL_USER });
}

export interface BootstrapAdminResult {
  created: boolean;
  username: string;
  /** Set only when the password was generated; print it once. */
  generatedPassword?: string;
}

/**
 * First start creates the super admin from BOOTSTRAP_ADMIN_USERNAME / BOOTSTRAP_ADMIN_PASSWORD,
 * or with a generated strong password when none is given. No default password exists; once a
 * super admin exists nothing happens.
 */
export async function bootstrapSuperAdmin(db: Pool, config: ControlPlaneConfig): Promise<BootstrapAdminResult> {
  const existing = await findSuperAdminUsername(db);
  if (existing !== null) return { created: false, username: existing };
  const username = config.BOOTSTRAP_ADMIN_USERNAME;
  let password = config.BOOTSTRAP_ADMIN_PASSWORD;
  let generated: string | undefined;
  if (password) {
    const problems = passwordProblems(password, 'BOOTSTRAP_ADMIN_PASSWORD');
    if (problems.length) {
      throw new Error(`BOOTSTRAP_ADMIN_PASSWORD ${problems.map((p) => p.message).join(', ')}`);
    }
  } else {
    password = generated = generatePassword();
  }
  const hash = await hashPassword(password, config.BCRYPT_COST);
  if (!(await insertSuperAdminIfAbsent(db, { username, passwordHash: hash }))) return { created: false, username };
  return { created: true, username, generatedPassword: generated };
}
