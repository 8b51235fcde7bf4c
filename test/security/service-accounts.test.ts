import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import {
  connect,
  createPool,
  currentGrants,
  dropTenantDbRole,
  dropTenantDbUser,
  grantKey,
  listControlTables,
  parseEnv,
  repoRoot,
  SecretBox,
  tenantDbRoleName,
  withTransaction,
  type Connection,
  type Grant,
  type RowDataPacket,
  unlistedControlTables,
} from '@kg/shared';
import { deleteRedisPrefix, dropDatabases, freePort, http, randomMasterKey, testMysqlTarget, testRedisUrl, uniqueId } from '@kg/shared/testing';
import { buildTemplate } from '@kg/templates-db';
import { controlPlaneEnvSchema, loadConfig as loadControlPlaneConfig } from '../../control-plane/src/config';
import { appendAudit } from '../../control-plane/src/modules/audit/audit.service';
import { bootstrapSuperAdmin, ensureDefaultDatabaseServer, migrateControlDb, prepareControlDb } from '../../control-plane/src/modules/bootstrap/bootstrap';
import { dbAccountsEnvSchema, setUpServiceAccounts } from '../../control-plane/src/modules/bootstrap/service-accounts';
import { GENEROUS_LIMITS, SUPER_ADMIN } from '../../control-plane/test/helpers/harness';
import { loadConfig as loadProvisionerConfig } from '../../provisioner/src/config';
import { buildContext as buildProvisionerContext, closeContext as closeProvisionerContext } from '../../provisioner/src/internal/build-context';
import { runBackups } from '../../provisioner/src/modules/backup/backup-run.service';
import { restoreTenant } from '../../provisioner/src/modules/backup/restore.service';
import { requestWithHost } from '../../tenant-app/test/helpers/harness';

/**
 * docs/privileges.md, Service accounts: each process signs in with its own MySQL account, and
 * MySQL itself refuses what that process has no business doing. Accounts, databases and the
 * tenant prefix are unique to this run and dropped afterwards (the MariaDB server is shared).
 */
describe('service accounts: one MySQL account per process with only what it needs', function () {
  this.timeout(300_000);
  const id = uniqueId('svc');
  const hex = id.split('_')[1]!;
  const users = { control: `kgc_${hex}`, provisioner: `kgp_${hex}`, tenantApp: `kga_${hex}` };
  const roleUser = `kgrole_${hex}`;
  const password = () => crypto.randomBytes(18).toString('base64url');
  const passwords = { control: password(), provisioner: password(), tenantApp: password(), role: password() };
  const controlDb = `cp_${id}`;
  const templateDb = `tpl_${id}`;
  const prefix = `${id}_rent`;
  const outsideDb = `${id}_other`;
  const root = testMysqlTarget();
  const masterKey = randomMasterKey();
  const storageRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'kg-svc-'));
  const redisPrefix = `test:${id}:`;

  const settingsEnv: Record<string, string> = {
    MYSQL_HOST: root.host,
    MYSQL_PORT: String(root.port),
    MYSQL_USER: root.user,
    MYSQL_PASSWORD: root.password,
    CONTROL_DB_NAME: controlDb,
    TEMPLATE_DB_NAME: templateDb,
    TENANT_DB_PREFIX: prefix,
    SERVICE_ACCOUNT_HOST: '%',
    CONTROL_PLANE_MYSQL_USER: users.control,
    CONTROL_PLANE_MYSQL_PASSWORD: passwords.control,
    PROVISIONER_MYSQL_USER: users.provisioner,
    PROVISIONER_MYSQL_PASSWORD: passwords.provisioner,
    TENANT_APP_MYSQL_USER: users.tenantApp,
    TENANT_APP_MYSQL_PASSWORD: passwords.tenantApp,
    TENANT_DB_ROLE_USER: roleUser,
    TENANT_DB_ROLE_PASSWORD: passwords.role,
    TENANT_DB_USER_HOST: '%',
  };
  const settings = () => parseEnv(dbAccountsEnvSchema, settingsEnv);
  const as = (service: keyof typeof users, database?: string) =>
    connect({ ...root, user: users[service], password: passwords[service] }, database);
  const children: ChildProcess[] = [];
  let tables: string[] = [];

  before(async () => {
    // The set-up steps, with the set-up account: migrations, the first server row, the template.
    const setup = parseEnv(controlPlaneEnvSchema, { ...settingsEnv, MASTER_KEY: masterKey, BCRYPT_COST: '4', BOOTSTRAP_ADMIN_USERNAME: SUPER_ADMIN.username, BOOTSTRAP_ADMIN_PASSWORD: SUPER_ADMIN.password });
    await migrateControlDb(setup);
    const pool = createPool(root, controlDb, { connectionLimit: 1 });
    try {
      await ensureDefaultDatabaseServer(pool, setup);
      await bootstrapSuperAdmin(pool, setup);
    } finally {
      await pool.end();
    }
    await buildTemplate(root, templateDb);
    const conn = await connect(root);
    try {
      await conn.query(`CREATE DATABASE \`${outsideDb}\``);
      await conn.query(`CREATE TABLE \`${outsideDb}\`.t (id INT PRIMARY KEY)`);
      tables = await listControlTables(conn, controlDb);
    } finally {
      await conn.end();
    }
    await setUpServiceAccounts(settings());
  });

  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    const conn = await connect(root);
    try {
      const [tenants] = await conn.query<RowDataPacket[]>(`SELECT db_user, db_user_host, database_name FROM \`${controlDb}\`.tenants WHERE db_user IS NOT NULL`).catch(() => [[]] as unknown as [RowDataPacket[]]);
      for (const t of tenants) {
        await dropTenantDbUser(conn, String(t.db_user), String(t.db_user_host)).catch(() => undefined);
        await dropTenantDbRole(conn, tenantDbRoleName(String(t.database_name))).catch(() => undefined);
      }
      for (const u of [...Object.values(users), roleUser, `${hex}_made`]) await conn.query(`DROP USER IF EXISTS '${u}'@'%'`);
      const [dbs] = await conn.query<RowDataPacket[]>('SELECT SCHEMA_NAME AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ?', [`${id}%`]);
      await dropDatabases([controlDb, templateDb, ...dbs.map((d) => String(d.n))]);
    } finally {
      await conn.end();
    }
    await deleteRedisPrefix(redisPrefix, testRedisUrl());
    fs.rmSync(storageRoot, { recursive: true, force: true });
  });

  const keys = (grants: Grant[]) => grants.map(grantKey).sort();
  const grant = (on: string, privileges: string[], grantOption = false): Grant => ({ on, privileges, grantOption });
  const t = (name: string) => `\`${controlDb}\`.\`${name}\``;
  const DML = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'];
  const SCHEMA = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'CREATE', 'DROP', 'REFERENCES', 'INDEX', 'ALTER', 'LOCK TABLES', 'CREATE VIEW', 'SHOW VIEW', 'TRIGGER'];
  const escapedPrefix = prefix.replace(/_/g, '\\_');

  /** MySQL's error code for `sql` run by `conn`, or 'ok'. */
  async function outcome(conn: Connection, sql: string, params: unknown[] = []): Promise<string> {
    try {
      await conn.query(sql, params);
      return 'ok';
    } catch (err) {
      return String((err as { code?: string }).code);
    }
  }

  it('when SHOW GRANTS lists each account, then it holds exactly its grants', async () => {
    const conn = await connect(root);
    try {
      assert.ok(tables.includes('audit_logs') && tables.length > 30, 'the control database is migrated');
      assert.deepEqual(unlistedControlTables(tables), [], 'every control table has a decided policy (CONTROL_TABLE_ACCESS)');
      const control = [
        ...tables.filter((n) => n !== 'audit_logs' && n !== 'schema_migrations').map((n) => grant(t(n), DML)),
        grant(t('audit_logs'), ['SELECT', 'INSERT']),
        grant(t('schema_migrations'), ['SELECT']),
        grant(`\`${escapedPrefix}%\`.*`, DML),
        grant(`\`${templateDb}\`.*`, ['SELECT']),
      ];
      const provisionerWrites = [
        'billing_records', 'data_backup_records', 'dns_records', 'global_user_tenant_relations', 'global_users', 'schema_rollout_tenants',
        'schema_rollouts', 'security_events', 'tenant_accounts', 'tenant_ai_model_configs', 'tenant_ai_usage_summary', 'tenant_billing_rules',
        'tenant_cleanup_logs', 'tenant_init_progress', 'tenant_init_steps', 'tenant_resource_cleanup', 'tenants',
      ];
      const provisioner = [
        grant('*.*', ['CREATE USER']),
        grant(`\`${escapedPrefix}%\`.*`, SCHEMA, true),
        grant(`\`${templateDb}\`.*`, SCHEMA),
        grant(`\`${controlDb}\`.*`, ['SELECT', 'LOCK TABLES', 'TRIGGER']),
        ...provisionerWrites.map((n) => grant(t(n), ['INSERT', 'UPDATE', 'DELETE'])),
      ];
      const tenantApp = ['auth_revoked_sessions', 'auth_valid_after', 'database_servers', 'global_user_tenant_relations', 'global_users', 'tenants'].map((n) =>
        grant(t(n), ['SELECT']),
      );
      assert.deepEqual(keys(await currentGrants(conn, users.control, '%')), keys(control));
      assert.deepEqual(keys(await currentGrants(conn, users.provisioner, '%')), keys(provisioner));
      assert.deepEqual(keys(await currentGrants(conn, users.tenantApp, '%')), keys(tenantApp));
    } finally {
      await conn.end();
    }
  });

  it('when an account was given more by hand, then running the set-up again takes it away and keeps the rest', async () => {
    const conn = await connect(root);
    try {
      const before = keys(await currentGrants(conn, users.control, '%'));
      await conn.query(`GRANT DROP ON \`${controlDb}\`.* TO '${users.control}'@'%'`);
      await conn.query(`GRANT UPDATE, DELETE ON ${t('audit_logs')} TO '${users.control}'@'%'`);
      assert.notDeepEqual(keys(await currentGrants(conn, users.control, '%')), before);
      const result = await setUpServiceAccounts(settings());
      assert.equal(result.accounts.find((a) => a.service === 'control')!.revoked, 2);
      assert.deepEqual(keys(await currentGrants(conn, users.control, '%')), before);
      const again = await setUpServiceAccounts(settings());
      assert.deepEqual(again.accounts.map((a) => a.revoked), [0, 0, 0], 'a second run changes nothing');
    } finally {
      await conn.end();
    }
  });

  it('when the control plane writes audit_logs, then INSERT and SELECT work and MySQL refuses UPDATE, DELETE, TRUNCATE and DROP', async () => {
    // The control plane's own audit path (chain head locked, row appended, head moved) as its account.
    const pool = createPool({ ...root, user: users.control, password: passwords.control }, controlDb, { connectionLimit: 1 });
    try {
      await withTransaction(pool, (c) => appendAudit(c, new SecretBox(masterKey).auditKey, { actorType: 'system', action: 'test.service-accounts' }));
    } finally {
      await pool.end();
    }
    const conn = await as('control', controlDb);
    try {
      const [rows] = await conn.query<RowDataPacket[]>("SELECT COUNT(*) AS n FROM audit_logs WHERE action = 'test.service-accounts'");
      assert.equal(Number(rows[0]!.n), 1);
      assert.equal(await outcome(conn, "UPDATE audit_logs SET action = 'x'"), 'ER_TABLEACCESS_DENIED_ERROR');
      assert.equal(await outcome(conn, 'DELETE FROM audit_logs'), 'ER_TABLEACCESS_DENIED_ERROR');
      assert.equal(await outcome(conn, 'TRUNCATE TABLE audit_logs'), 'ER_TABLEACCESS_DENIED_ERROR');
      assert.equal(await outcome(conn, 'DROP TABLE audit_logs'), 'ER_TABLEACCESS_DENIED_ERROR');
      assert.equal(await outcome(conn, 'DROP TRIGGER trg_audit_logs_no_delete'), 'ER_TABLEACCESS_DENIED_ERROR');
      // It still owns the other tables' rows, and nothing about their shape.
      assert.equal(await outcome(conn, "UPDATE system_config SET config_value = config_value WHERE config_key = 'none'"), 'ok');
      assert.equal(await outcome(conn, 'ALTER TABLE tenants ADD COLUMN x INT'), 'ER_TABLEACCESS_DENIED_ERROR');
      assert.equal(await outcome(conn, 'CREATE USER IF NOT EXISTS nobody_svc'), 'ER_SPECIFIC_ACCESS_DENIED_ERROR');
    } finally {
      await conn.end();
    }
  });

  it('when the provisioner works, then it creates a tenant database, account and grant under the prefix and nothing outside it', async () => {
    const conn = await as('provisioner');
    const made = `${hex}_made`;
    try {
      assert.equal(await outcome(conn, `CREATE DATABASE \`${prefix}901\``), 'ok');
      assert.equal(await outcome(conn, `CREATE TABLE \`${prefix}901\`.t (id INT PRIMARY KEY)`), 'ok');
      assert.equal(await outcome(conn, `CREATE USER IF NOT EXISTS '${made}'@'%' IDENTIFIED BY ?`, [password()]), 'ok');
      assert.equal(await outcome(conn, `GRANT SELECT, INSERT, UPDATE, DELETE ON \`${escapedPrefix}901\`.* TO '${made}'@'%'`), 'ok');
      // Outside the prefix: no database, no grant, no reading or dropping another's.
      assert.equal(await outcome(conn, `CREATE DATABASE \`${id}_elsewhere\``), 'ER_DBACCESS_DENIED_ERROR');
      assert.equal(await outcome(conn, `GRANT SELECT ON \`${outsideDb}\`.* TO '${made}'@'%'`), 'ER_DBACCESS_DENIED_ERROR');
      assert.equal(await outcome(conn, `SELECT * FROM \`${outsideDb}\`.t`), 'ER_TABLEACCESS_DENIED_ERROR');
      assert.equal(await outcome(conn, `DROP DATABASE \`${outsideDb}\``), 'ER_DBACCESS_DENIED_ERROR');
      // The control database: reads (backups) but never rewrites the audit log nor changes its shape.
      assert.equal(await outcome(conn, `SELECT COUNT(*) FROM ${t('audit_logs')}`), 'ok');
      assert.equal(await outcome(conn, `INSERT INTO ${t('audit_logs')} (actor_type, action, created_at, prev_hash, hash) VALUES ('system', 'x', NOW(3), '', '')`), 'ER_TABLEACCESS_DENIED_ERROR');
      assert.equal(await outcome(conn, `DELETE FROM ${t('audit_logs')}`), 'ER_TABLEACCESS_DENIED_ERROR');
      assert.equal(await outcome(conn, `TRUNCATE TABLE ${t('audit_logs')}`), 'ER_TABLEACCESS_DENIED_ERROR');
      assert.equal(await outcome(conn, `DROP TABLE ${t('audit_logs')}`), 'ER_TABLEACCESS_DENIED_ERROR');
      assert.equal(await outcome(conn, `UPDATE ${t('admin_users')} SET status = status`), 'ER_TABLEACCESS_DENIED_ERROR');
      assert.equal(await outcome(conn, `DROP DATABASE \`${controlDb}\``), 'ER_DBACCESS_DENIED_ERROR');
    } finally {
      await conn.end();
    }
  });

  it('when the tenant app signs in, then it reads the registry and cannot write tenants or audit_logs', async () => {
    const conn = await as('tenantApp', controlDb);
    try {
      assert.equal(await outcome(conn, 'SELECT tenant_id, db_password_enc FROM tenants LIMIT 1'), 'ok');
      assert.equal(await outcome(conn, "UPDATE tenants SET status = 'active'"), 'ER_TABLEACCESS_DENIED_ERROR');
      assert.equal(await outcome(conn, 'DELETE FROM tenants'), 'ER_TABLEACCESS_DENIED_ERROR');
      assert.equal(await outcome(conn, "INSERT INTO audit_logs (actor_type, action, created_at, prev_hash, hash) VALUES ('system', 'x', NOW(3), '', '')"), 'ER_TABLEACCESS_DENIED_ERROR');
      assert.equal(await outcome(conn, 'SELECT * FROM admin_users'), 'ER_TABLEACCESS_DENIED_ERROR');
      assert.equal(await outcome(conn, `SELECT * FROM \`${prefix}901\`.t`), 'ER_TABLEACCESS_DENIED_ERROR');
    } finally {
      await conn.end();
    }
  });

  it('when the three apps run with their accounts, then a tenant is provisioned, served, backed up, restored, bound, checked for drift and purged', async () => {
    const conn = await connect(root, controlDb);
    try {
      const [[server]] = await conn.query<RowDataPacket[]>("SELECT username, secret_ref FROM database_servers WHERE name = 'local'");
      assert.deepEqual([server!.username, server!.secret_ref], [users.provisioner, 'env:PROVISIONER_MYSQL_PASSWORD'], 'the local server is the provisioner\'s');
    } finally {
      await conn.end();
    }
    const [cpPort, taPort] = [await freePort(), await freePort()];
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NODE_ENV: 'test',
      KG_SKIP_DOTENV: '1',
      LOG_LEVEL: 'warn',
      ...settingsEnv,
      ...GENEROUS_LIMITS,
      MASTER_KEY: masterKey,
      REDIS_URL: testRedisUrl(),
      REDIS_KEY_PREFIX: redisPrefix,
      BCRYPT_COST: '4',
      BOOTSTRAP_ADMIN_USERNAME: SUPER_ADMIN.username,
      BOOTSTRAP_ADMIN_PASSWORD: SUPER_ADMIN.password,
      CONTROL_PLANE_PORT: String(cpPort),
      CONTROL_PLANE_URL: `http://127.0.0.1:${cpPort}`,
      CONTROL_PLANE_PUBLIC_URL: `http://127.0.0.1:${cpPort}`,
      TENANT_APP_PORT: String(taPort),
      PROVISIONER_METRICS_PORT: '0',
      STORAGE_LOCAL_ROOT: storageRoot,
      STORAGE_SIGNING_SECRET: password(),
      BACKUP_DIR: path.join(storageRoot, 'backups'),
      AUDIT_CHECKPOINT_DIR: path.join(storageRoot, 'audit'),
      SMS_RESEND_SECONDS: '1',
      CLEANUP_CRON: '0 3 1 1 *',
    };
    const output: string[] = [];
    // Each process gets only its own account's password, so none can fall back on another's.
    const start = (entry: string, own: 'CONTROL_PLANE' | 'PROVISIONER' | 'TENANT_APP') => {
      const others = ['CONTROL_PLANE', 'PROVISIONER', 'TENANT_APP'].filter((p) => p !== own).map((p) => `${p}_MYSQL_PASSWORD`);
      const childEnv = Object.fromEntries(Object.entries(env).filter(([k]) => !others.includes(k)));
      const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', entry], { cwd: repoRoot(), env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout!.on('data', (c: Buffer) => output.push(c.toString()));
      child.stderr!.on('data', (c: Buffer) => output.push(c.toString()));
      children.push(child);
    };
    const waitHealthy = async (url: string) => {
      const deadline = Date.now() + 90_000;
      while (Date.now() < deadline) {
        const res = await http('GET', url).catch(() => null);
        if (res?.status === 200) return;
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new Error(`${url} not healthy:\n${output.join('').slice(-3000)}`);
    };
    start('control-plane/src/start/server.ts', 'CONTROL_PLANE');
    start('provisioner/src/start/worker.ts', 'PROVISIONER');
    start('tenant-app/src/start/server.ts', 'TENANT_APP');
    const cp = `http://127.0.0.1:${cpPort}`;
    await waitHealthy(`${cp}/api/health`);
    await waitHealthy(`http://127.0.0.1:${taPort}/api/health`);

    const admin = await http('POST', `${cp}/api/admin/auth/login`, { body: SUPER_ADMIN });
    assert.equal(admin.status, 200, JSON.stringify(admin.body));
    const token = admin.body.data.token as string;
    const phone = `139${String(Date.now()).slice(-8)}`;
    assert.equal((await http('POST', `${cp}/api/sms/send-code`, { body: { phone, purpose: 'tenant_create' } })).status, 200);
    const inbox = await http('GET', `${cp}/api/sms/dev-inbox?phone=${phone}`, { token });
    const code = inbox.body.data.items.find((i: { purpose: string }) => i.purpose === 'tenant_create').code as string;
    const created = await http('POST', `${cp}/api/tenant/create`, {
      token,
      body: { tenantCode: 'k001', name: '示例幼儿园', contactName: '张三', contactEmail: 'z@example.com', contactPhone: phone, smsVerificationCode: code },
    });
    assert.equal(created.status, 202, `${JSON.stringify(created.body)}\n${output.join('').slice(-3000)}`);
    let progress: { status: number; body: any } | undefined;
    let oneTimePassword: string | undefined;
    for (const deadline = Date.now() + 90_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 300))) {
      progress = await http('GET', `${cp}/api/tenants/k001/progress`, { token });
      // Shown once, on the first read after the admin step.
      oneTimePassword ??= progress.body?.data?.adminCredentials?.oneTimePassword;
      if (['active', 'failed'].includes(progress.body?.data?.status)) break;
    }
    assert.equal(progress?.body?.data?.status, 'active', `${JSON.stringify(progress?.body)}\n${output.join('').slice(-3000)}`);

    const first = await http('POST', `${cp}/api/auth/login`, { body: { phone, password: oneTimePassword } });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const newPassword = 'svcAccounts2026';
    const changed = await http('POST', `${cp}/api/auth/change-password`, {
      token: (first.body.data.accessToken ?? first.body.data.token) as string,
      body: { currentPassword: oneTimePassword, newPassword },
    });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    const login = await http('POST', `${cp}/api/auth/login`, { body: { phone, password: newPassword } });
    assert.equal(login.status, 200, JSON.stringify(login.body));
    const userToken = (login.body.data.accessToken ?? login.body.data.token) as string;
    const me = await requestWithHost(`http://127.0.0.1:${taPort}/api/me`, 'k001.localhost', { token: userToken });
    assert.equal(me.status, 200, JSON.stringify(me.body));

    // Every process signed in as its own account, and none as the set-up account.
    const check = await connect(root);
    try {
      const [rows] = await check.query<RowDataPacket[]>('SELECT DISTINCT USER AS u FROM information_schema.PROCESSLIST WHERE USER IN (?)', [Object.values(users)]);
      assert.deepEqual(rows.map((r) => String(r.u)).sort(), Object.values(users).sort());
    } finally {
      await check.end();
    }

    // Backups (control database with its triggers, template, tenant) and a restore, as the provisioner.
    const config = loadProvisionerConfig(env);
    assert.equal(config.MYSQL_USER, users.provisioner);
    const ctx = await buildProvisionerContext(config);
    // The local server row's secret reference is read from this process's environment.
    process.env.PROVISIONER_MYSQL_PASSWORD = passwords.provisioner;
    try {
      const summary = await runBackups(ctx, { backupType: 'manual' });
      assert.deepEqual(summary.failed, []);
      assert.equal(summary.completed, 3);
      const [[controlBackup]] = await ctx.db.query<RowDataPacket[]>('SELECT file_path FROM data_backup_records WHERE database_name = ?', [controlDb]);
      const dump = zlib.gunzipSync(fs.readFileSync(String(controlBackup!.file_path))).toString();
      assert.match(dump, /CREATE\b.*TRIGGER.*trg_audit_logs_no_delete/, 'the append-only triggers are in the backup');
      const restored = await restoreTenant(ctx, 'k001', { actor: 'test' });
      assert.ok(restored.tables > 0 && restored.checksumVerified);
    } finally {
      delete process.env.PROVISIONER_MYSQL_PASSWORD;
      await closeProvisionerContext(ctx);
    }
    const again = await requestWithHost(`http://127.0.0.1:${taPort}/api/me`, 'k001.localhost', { token: userToken });
    assert.equal(again.status, 200, 'served after the restore');

    // The control plane writes the tenant-local side of a binding with its own account, not the server's.
    const bound = await http('POST', `${cp}/api/tenants/k001/users`, { token, body: { phone, role: 'admin' } });
    assert.equal(bound.status, 200, `${JSON.stringify(bound.body)}\n${output.join('').slice(-2000)}`);
    // ...and reads the template's and the tenant's shape with it for the drift report.
    const drift = await http('GET', `${cp}/api/schema/drift`, { token });
    assert.equal(drift.status, 200, `${JSON.stringify(drift.body)}\n${output.join('').slice(-2000)}`);
    assert.deepEqual(drift.body.data.tenants.map((d: { tenantCode: string; inSync: boolean }) => [d.tenantCode, d.inSync]), [['k001', true]]);

    // Deleted and purged by the provisioner's account: database, its account and role dropped.
    const due = await connect(root, controlDb);
    try {
      const [[tenant]] = await due.query<RowDataPacket[]>("SELECT database_name, db_user FROM tenants WHERE tenant_id = 'k001'");
      assert.equal((await http('DELETE', `${cp}/api/tenant/k001`, { token })).status, 200);
      await due.query("UPDATE tenants SET scheduled_deletion_at = NOW(3) - INTERVAL 1 MINUTE WHERE tenant_id = 'k001'");
      await due.query("UPDATE tenant_resource_cleanup SET scheduled_deletion_at = NOW(3) - INTERVAL 1 MINUTE WHERE tenant_code = 'k001' AND status = 'pending'");
      assert.equal((await http('POST', `${cp}/api/cleanup/run`, { token })).status, 202);
      let status = '';
      for (const deadline = Date.now() + 60_000; Date.now() < deadline && status !== 'purged'; await new Promise((r) => setTimeout(r, 300))) {
        const [[row]] = await due.query<RowDataPacket[]>("SELECT status FROM tenants WHERE tenant_id = 'k001'");
        status = String(row!.status);
      }
      assert.equal(status, 'purged', output.join('').slice(-3000));
      const [gone] = await due.query<RowDataPacket[]>(
        'SELECT (SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?) AS dbs, (SELECT COUNT(*) FROM mysql.user WHERE CONVERT(User USING utf8mb4) IN (?, ?)) AS accounts',
        [tenant!.database_name, tenant!.db_user, tenantDbRoleName(String(tenant!.database_name))],
      );
      assert.deepEqual([Number(gone[0]!.dbs), Number(gone[0]!.accounts)], [0, 0]);
    } finally {
      await due.end();
    }
  });

  it('when a tenant role was made by the set-up account (before service accounts), then the set-up hands it to the provisioner', async () => {
    const role = tenantDbRoleName(`${prefix}001`);
    const conn = await connect(root);
    const provisioner = await as('provisioner');
    try {
      await conn.query(`DROP ROLE IF EXISTS \`${role}\``);
      await conn.query(`CREATE ROLE \`${role}\``);
      const grantIt = `GRANT \`${role}\` TO '${roleUser}'@'%'`;
      assert.equal(await outcome(provisioner, grantIt), 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR', 'not the provisioner\'s to grant');
      const result = await setUpServiceAccounts(settings());
      assert.equal(result.rolesHandedOver, 1);
      assert.equal(await outcome(provisioner, grantIt), 'ok');
    } finally {
      await provisioner.end();
      await conn.end();
    }
  });

  it('when a control-database migration is pending, then the control plane with its own account refuses to start and names the fix', async () => {
    const conn = await connect(root, controlDb);
    const [[last]] = await conn.query<RowDataPacket[]>('SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version DESC LIMIT 1');
    await conn.query('DELETE FROM schema_migrations WHERE version = ?', [last!.version]);
    try {
      const config = loadControlPlaneConfig({ ...settingsEnv, MASTER_KEY: masterKey });
      assert.equal(config.MYSQL_USER, users.control);
      await assert.rejects(prepareControlDb(config), /not applied .*run npm run migrate and npm run db:accounts/);
    } finally {
      await conn.query('INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)', [last!.version, last!.name, last!.checksum, last!.applied_at]);
      await conn.end();
    }
    await prepareControlDb(loadControlPlaneConfig({ ...settingsEnv, MASTER_KEY: masterKey }));
  });
});
