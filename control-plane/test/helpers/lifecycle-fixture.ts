import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cloneTemplate } from '@kg/templates-db';
import {
  connect,
  createProviders,
  dropTenantDbRole,
  dropTenantDbUser,
  ensureTenantDbRole,
  ensureTenantDbUser,
  tenantDbRoleName,
  ensureTenantFolders,
  newDbPassword,
  SecretBox,
  tenantDbUserName,
  migrate,
  quoteId,
  type Providers,
  type RowDataPacket,
} from '@kg/shared';
import { testMysqlTarget } from '@kg/shared/testing';
import { startControlPlane, type TestControlPlane } from './harness';

/**
 * Lifecycle test world: a control plane over a fresh control DB, a small tenant template built
 * from a temporary migrations folder (never the real templates-db/migrations), local DNS in the
 * control DB and local storage in a temporary folder. Tenants are made `active` directly
 * (clone + rows + files + DNS record), without depending on the create pipeline.
 */
export interface LifecycleWorld {
  cp: TestControlPlane;
  migrationsDir: string;
  storageRoot: string;
  backupDir: string;
  providers: Providers;
  tokens: { operator: string; admin: string; superAdmin: string };
  /** Env for a provisioner (context or process) sharing this world's stores. */
  provisionerEnv: Record<string, string>;
  close(): Promise<void>;
}

/** The test template: two tables with a foreign key, plus reference rows. */
export const BASE_MIGRATION = `
CREATE TABLE roles (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  code VARCHAR(50) NOT NULL UNIQUE,
  name VARCHAR(50) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
INSERT INTO roles (code, name) VALUES ('admin','Admin'),('teacher','Teacher');
CREATE TABLE classes (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(100) NOT NULL,
  grade VARCHAR(20) NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE TABLE students (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  class_id INT UNSIGNED NOT NULL,
  name VARCHAR(100) NOT NULL,
  CONSTRAINT fk_students_class FOREIGN KEY (class_id) REFERENCES classes (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
`;

export async function startLifecycleWorld(label: string, env: Record<string, string> = {}): Promise<LifecycleWorld> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `kg-${label}-`));
  const migrationsDir = path.join(tmp, 'migrations');
  const storageRoot = path.join(tmp, 'storage');
  const backupDir = path.join(tmp, 'backups');
  fs.mkdirSync(migrationsDir);
  fs.writeFileSync(path.join(migrationsDir, '001_base.sql'), BASE_MIGRATION);
  const cp = await startControlPlane(label, { STORAGE_LOCAL_ROOT: storageRoot, ...env });
  await migrate(testMysqlTarget(), cp.config.TEMPLATE_DB_NAME, migrationsDir);
  const providers = createProviders(cp.config, cp.db);
  const mint = (id: number, username: string, role: 'operator' | 'admin' | 'super_admin') =>
    cp.ctx.tokens.signAdmin({ id, username, role }).token;
  const ids: Record<string, number> = {};
  for (const role of ['operator', 'admin'] as const) {
    const [res] = await cp.db.query<import('@kg/shared').ResultSetHeader>(
      "INSERT INTO admin_users (username, password, role, status) VALUES (?, 'x', ?, 'active')",
      [`${label}-${role}`, role],
    );
    ids[role] = res.insertId;
  }
  const [[root]] = await cp.db.query<RowDataPacket[]>("SELECT id, username FROM admin_users WHERE role = 'super_admin' LIMIT 1");
  const target = testMysqlTarget();
  return {
    cp,
    migrationsDir,
    storageRoot,
    backupDir,
    providers,
    tokens: {
      operator: mint(ids.operator!, `${label}-operator`, 'operator'),
      admin: mint(ids.admin!, `${label}-admin`, 'admin'),
      superAdmin: mint(Number(root!.id), String(root!.username), 'super_admin'),
    },
    provisionerEnv: {
      NODE_ENV: 'test',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      MYSQL_HOST: target.host,
      MYSQL_PORT: String(target.port),
      MYSQL_USER: target.user,
      MYSQL_PASSWORD: target.password,
      MASTER_KEY: cp.config.MASTER_KEY,
      CONTROL_DB_NAME: cp.config.CONTROL_DB_NAME,
      TEMPLATE_DB_NAME: cp.config.TEMPLATE_DB_NAME,
      REDIS_URL: cp.config.REDIS_URL,
      REDIS_KEY_PREFIX: cp.config.REDIS_KEY_PREFIX,
      BASE_DOMAIN: cp.config.BASE_DOMAIN,
      STORAGE_LOCAL_ROOT: storageRoot,
      BACKUP_DIR: backupDir,
      TEMPLATE_MIGRATIONS_DIR: migrationsDir,
      PROVISIONER_METRICS_PORT: '0',
      CLEANUP_RETRY_BACKOFF_MS: '50',
      PROVISIONER_STALLED_INTERVAL_MS: '1000',
      PROVISIONER_LOCK_MS: '5000',
    },
    async close() {
      const [tenants] = await cp.db.query<RowDataPacket[]>('SELECT database_name, db_user, db_user_host FROM tenants').catch(() => [[]] as never);
      const conn = await connect(target);
      try {
        for (const t of tenants as RowDataPacket[]) {
          await conn.query(`DROP DATABASE IF EXISTS ${quoteId(String(t.database_name))}`);
          if (t.db_user) await dropTenantDbUser(conn, String(t.db_user), String(t.db_user_host));
          await dropTenantDbRole(conn, tenantDbRoleName(String(t.database_name))).catch(() => undefined);
        }
      } finally {
        await conn.end();
      }
      await cp.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}

export interface FixtureTenant {
  code: string;
  databaseName: string;
  /** The tenant database's own MySQL account (host '%'). */
  dbUser: string;
  prefix: string;
  files: string[];
  students: number;
}

let seq = 0;

/**
 * An `active` tenant as provisioning leaves it: registry row, database cloned from the
 * template with business rows, storage folders plus files (one under temp/), DNS record.
 */
export async function createActiveTenant(w: LifecycleWorld, code: string, opts: { status?: string } = {}): Promise<FixtureTenant> {
  const databaseName = `${w.cp.config.CONTROL_DB_NAME.slice(3, 20)}_${code}`.replace(/[^a-zA-Z0-9_]/g, '_');
  const prefix = `139${String(Date.now()).slice(-5)}${String(++seq).padStart(3, '0')}/`;
  const [[server]] = await w.cp.db.query<RowDataPacket[]>('SELECT id FROM database_servers ORDER BY id LIMIT 1');
  const target = testMysqlTarget();
  const cloned = await cloneTemplate(target, w.cp.config.TEMPLATE_DB_NAME, databaseName);
  const dbUser = tenantDbUserName(databaseName);
  const dbPassword = newDbPassword();
  const conn = await connect(target, databaseName);
  try {
    await conn.query("INSERT INTO classes (name, grade) VALUES ('Sunflowers', 'K1'), ('Dolphins', 'K2')");
    await conn.query("INSERT INTO students (class_id, name) VALUES (1, 'Li Wei'), (1, 'Wang Fang'), (2, 'Zhang Min')");
    // Its own MySQL account and role, as the create pipeline makes them (docs/privileges.md).
    await ensureTenantDbUser(conn, { user: dbUser, host: '%', password: dbPassword }, databaseName);
    await ensureTenantDbRole(conn, tenantDbRoleName(databaseName), databaseName);
  } finally {
    await conn.end();
  }
  await ensureTenantFolders(w.providers.storage, prefix);
  const files = [`${prefix}uploads/images/a.png`, `${prefix}documents/enrollment/form.pdf`, `${prefix}temp/draft.txt`];
  for (const f of files) await w.providers.storage.putObject(f, Buffer.from(`content of ${f}`));
  const record = await w.providers.dns.ensureRecord({ rr: code, domain: w.cp.config.BASE_DOMAIN, type: 'A', value: '127.0.0.1', ttl: 600 });
  await w.cp.db.query(
    `INSERT INTO tenants (tenant_id, name, domain, database_name, status, contact_phone, db_server_id, oss_prefix, dns_record_id, schema_version,
                          db_user, db_user_host, db_password_enc)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '%', ?)`,
    [
      code,
      `Kindergarten ${code}`,
      `${code}.${w.cp.config.BASE_DOMAIN}`,
      databaseName,
      opts.status ?? 'active',
      prefix.slice(0, -1),
      Number(server!.id),
      prefix,
      record.recordId,
      cloned.version,
      dbUser,
      new SecretBox(w.cp.config.MASTER_KEY).seal(dbPassword),
    ],
  );
  return { code, databaseName, dbUser, prefix, files, students: 3 };
}

/** True while a MySQL account of that user name exists on the test server. */
export async function accountExists(user: string): Promise<boolean> {
  const conn = await connect(testMysqlTarget());
  try {
    const [rows] = await conn.query<RowDataPacket[]>('SELECT 1 FROM mysql.user WHERE User = ?', [user]);
    return rows.length > 0;
  } finally {
    await conn.end();
  }
}

/** Rows of a tenant database table, or null when the database is gone. */
export async function countRows(databaseName: string, table: string): Promise<number | null> {
  const conn = await connect(testMysqlTarget());
  try {
    const [db] = await conn.query<RowDataPacket[]>('SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [databaseName]);
    if (!db.length) return null;
    const [[n]] = await conn.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${quoteId(databaseName)}.${quoteId(table)}`);
    return Number(n!.n);
  } finally {
    await conn.end();
  }
}

/** Keys under a prefix in the world's storage. */
export async function listKeys(w: LifecycleWorld, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let marker: string | undefined;
  do {
    const page = await w.providers.storage.listPage(prefix, { marker });
    keys.push(...page.objects.map((o) => o.key));
    marker = page.nextMarker;
  } while (marker);
  return keys;
}

/** Moves a deleted tenant's purge date (and its cleanup rows') into the past. */
export async function makeDue(w: LifecycleWorld, code: string): Promise<void> {
  await w.cp.db.query('UPDATE tenants SET scheduled_deletion_at = NOW(3) - INTERVAL 1 MINUTE WHERE tenant_id = ?', [code]);
  await w.cp.db.query(
    "UPDATE tenant_resource_cleanup SET scheduled_deletion_at = NOW(3) - INTERVAL 1 MINUTE WHERE tenant_code = ? AND status = 'pending'",
    [code],
  );
}
