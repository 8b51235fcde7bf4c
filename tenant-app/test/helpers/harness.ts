import crypto from 'node:crypto';
import fs from 'node:fs';
import nodeHttp from 'node:http';
import os from 'node:os';
import path from 'node:path';
import {
  connect,
  createLogger,
  listen,
  appServerOptions,
  parseEnv,
  publishTenantStatus,
  ensureTenantUser,
  dropTenantDbRole,
  dropTenantDbUser,
  ensureRoleAccount,
  ensureTenantDbRole,
  ensureTenantDbUser,
  tenantDbRoleName,
  newDbPassword,
  SecretBox,
  tenantDbUserName,
  type Connection,
  type RowDataPacket,
  type ResultSetHeader,
} from '@kg/shared';
import { dropDatabases, testMysqlTarget, testRedisUrl, uniqueId } from '@kg/shared/testing';
import { buildTemplate, cloneTemplate, snapshotTemplate, type TemplateSnapshot } from '@kg/templates-db';
// The real control plane, in-process: JWKS, token signing, control database (no mocks: docs/request-path.md, What the tests prove).
import { startControlPlane, type TestControlPlane } from '../../../control-plane/test/helpers/harness';
import { tenantAppEnvSchema, type TenantAppConfig } from '../../src/config';
import type { AppContext } from '../../src/context';
import { createApp } from '../../src/http/app';
import { buildContext, closeContext } from '../../src/internal/build-context';

export type Role = 'admin' | 'teacher' | 'staff' | 'viewer';
export const ROLES: Role[] = ['admin', 'teacher', 'staff', 'viewer'];

export interface TestUser {
  globalUserId: number;
  tenantUserId: number | null;
  phone: string;
  role: Role;
  /** Plain (not tenant-scoped) user token. */
  token: string;
  /** Tenant-scoped token (claims tenant + role), as from POST /api/auth/switch-tenant. */
  scopedToken: string;
}

export interface TestTenant {
  code: string;
  database: string;
  storagePrefix: string;
}

export interface TenantStack {
  id: string;
  cp: TestControlPlane;
  url: string;
  ctx: AppContext;
  config: TenantAppConfig;
  /** MySQL account used for tenant databases only: PROCESSLIST rows of this user are the app's tenant connections. */
  mysqlUser: string;
  /** The tenant app's role account: holds every test tenant's role and nothing else. */
  roleUser: string;
  rolePassword: string;
  templateDb: string;
  /**
   * Clones the template into a new tenant database and registers the tenant. `tables` limits the
   * clone to those tables of the real template (their DDL and reference rows), for tests that
   * create hundreds of tenants and only touch a few tables.
   */
  createTenant(code: string, opts?: { status?: string; tables?: string[] }): Promise<TestTenant>;
  addUser(
    tenant: TestTenant,
    role: Role,
    opts?: { bind?: boolean; relationStatus?: 'active' | 'disabled'; tenantUser?: 'active' | 'inactive' | 'none' },
  ): Promise<TestUser>;
  /** A connection to a tenant database (arranging and asserting rows). */
  tenantConn(tenant: TestTenant): Promise<Connection>;
  setStatus(code: string, status: string, opts?: { publish?: boolean }): Promise<void>;
  /** Tenant connections MariaDB sees from this app right now. */
  serverConnections(): Promise<number>;
  close(): Promise<void>;
}

let phoneCounter = 0;
function uniquePhone(): string {
  phoneCounter++;
  const n = (crypto.randomInt(0, 1_000_000) * 100 + (phoneCounter % 100)) % 100_000_000;
  return `139${String(n).padStart(8, '0')}`;
}

/**
 * Starts the real control plane and a tenant app in-process on port 0, over a unique control
 * database, Redis prefix, MySQL account for tenant connections and template database.
 */
export async function startTenantStack(
  label: string,
  env: Record<string, string> = {},
): Promise<TenantStack> {
  const cp = await startControlPlane(`ta${label}`);
  const id = uniqueId(label);
  const target = testMysqlTarget();
  const mysqlUser = `ta_${crypto.randomBytes(5).toString('hex')}`;
  const mysqlPassword = crypto.randomBytes(12).toString('hex');
  const secretEnv = `KG_TEST_${mysqlUser.toUpperCase()}_PASSWORD`;
  process.env[secretEnv] = mysqlPassword;
  const dbPrefix = `tt${id.replace(/[^a-z0-9]/g, '')}`.slice(0, 40);
  const templateDb = `${dbPrefix}_tpl`;
  const roleUser = `tr_${crypto.randomBytes(5).toString('hex')}`;
  const rolePassword = crypto.randomBytes(12).toString('hex');
  const root = await connect(target);
  await ensureRoleAccount(root, { user: roleUser, host: '%', password: rolePassword });
  await root.query(`CREATE USER ${quoteUser(mysqlUser)} IDENTIFIED BY ?`, [mysqlPassword]);
  // The account may only reach this test's databases.
  await root.query(`GRANT ALL PRIVILEGES ON \`${dbPrefix}\\_%\`.* TO ${quoteUser(mysqlUser)}`);
  await root.end();
  await cp.db.query("UPDATE database_servers SET username = ?, secret_ref = ? WHERE name = 'local'", [
    mysqlUser,
    `env:${secretEnv}`,
  ]);
  const [[serverRow]] = await cp.db.query<RowDataPacket[]>("SELECT id FROM database_servers WHERE name = 'local'");
  const serverId = Number(serverRow!.id);

  await buildTemplate(target, templateDb, { rebuild: true });
  const snapConn = await connect(target);
  let snapshot: TemplateSnapshot;
  try {
    snapshot = await snapshotTemplate(snapConn, templateDb);
  } finally {
    await snapConn.end();
  }

  const storageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kg-tenant-app-'));
  const config = parseEnv(tenantAppEnvSchema, {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    TENANT_APP_PORT: '0',
    BASE_DOMAIN: 'kg.test',
    CONTROL_PLANE_URL: cp.url,
    JWT_ISSUER: cp.config.JWT_ISSUER,
    MYSQL_HOST: target.host,
    MYSQL_PORT: String(target.port),
    MYSQL_USER: target.user,
    MYSQL_PASSWORD: target.password,
    CONTROL_DB_NAME: cp.config.CONTROL_DB_NAME,
    MASTER_KEY: cp.config.MASTER_KEY,
    TENANT_DB_ROLE_USER: roleUser,
    TENANT_DB_ROLE_PASSWORD: rolePassword,
    REDIS_URL: testRedisUrl(),
    REDIS_KEY_PREFIX: cp.config.REDIS_KEY_PREFIX,
    STORAGE_LOCAL_ROOT: storageDir,
    ...env,
  });
  const ctx = await buildContext(config, createLogger('tenant-app-test', config.LOG_LEVEL));
  const app = createApp(ctx);
  const server = await listen(app, 0, '127.0.0.1', appServerOptions(app)); // as src/start/server.ts
  const databases: string[] = [templateDb];
  // Each tenant database's own MySQL account, as provisioning makes it (docs/privileges.md).
  const tenantAccounts: string[] = [];
  const secrets = new SecretBox(cp.config.MASTER_KEY);

  const tenantConn = (tenant: TestTenant) => connect(target, tenant.database);

  const stack: TenantStack = {
    id,
    cp,
    url: server.url,
    ctx,
    config,
    mysqlUser,
    roleUser,
    rolePassword,
    templateDb,
    async createTenant(code, opts = {}) {
      const database = `${dbPrefix}_${code}`;
      databases.push(database);
      const snap = opts.tables ? { ...snapshot, tables: snapshot.tables.filter((t) => opts.tables!.includes(t.name)) } : snapshot;
      await cloneTemplate(target, templateDb, database, snap);
      const dbUser = tenantDbUserName(database);
      const dbPassword = newDbPassword();
      const conn = await connect(target);
      try {
        await ensureTenantDbUser(conn, { user: dbUser, host: '%', password: dbPassword }, database);
        await ensureTenantDbRole(conn, tenantDbRoleName(database), database, { user: roleUser, host: '%' });
      } finally {
        await conn.end();
      }
      tenantAccounts.push(dbUser);
      const storagePrefix = `${code}-${id}/`;
      await cp.db.query(
        `INSERT INTO tenants (tenant_id, name, domain, database_name, status, db_server_id, oss_prefix, contact_phone,
                              db_user, db_user_host, db_password_enc)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '%', ?)`,
        [code, `Kindergarten ${code}`, `${code}.kg.test`, database, opts.status ?? 'active', serverId, storagePrefix, uniquePhone(),
          dbUser, secrets.seal(dbPassword)],
      );
      return { code, database, storagePrefix };
    },
    async addUser(tenant, role, opts = {}) {
      const phone = uniquePhone();
      const [res] = await cp.db.query<ResultSetHeader>(
        "INSERT INTO global_users (phone, password_hash, real_name, status) VALUES (?, 'x', ?, 'active')",
        [phone, `${role} of ${tenant.code}`],
      );
      const globalUserId = res.insertId;
      let tenantUserId: number | null = null;
      if ((opts.tenantUser ?? 'active') !== 'none') {
        const conn = await tenantConn(tenant);
        try {
          tenantUserId = await ensureTenantUser(conn, { globalUserId, phone, realName: `${role} of ${tenant.code}`, role });
          if (opts.tenantUser === 'inactive') await conn.query("UPDATE users SET status = 'inactive' WHERE id = ?", [tenantUserId]);
        } finally {
          await conn.end();
        }
      }
      if (opts.bind ?? true) {
        await cp.db.query(
          'INSERT INTO global_user_tenant_relations (global_user_id, tenant_code, tenant_user_id, role_in_tenant, status) VALUES (?, ?, ?, ?, ?)',
          [globalUserId, tenant.code, tenantUserId, role, opts.relationStatus ?? 'active'],
        );
      }
      return {
        globalUserId,
        tenantUserId,
        phone,
        role,
        token: cp.ctx.tokens.signUser({ id: globalUserId, phone }).token,
        scopedToken: cp.ctx.tokens.signUser({ id: globalUserId, phone, tenant: tenant.code, role }).token,
      };
    },
    tenantConn,
    async setStatus(code, status, opts = {}) {
      await cp.db.query('UPDATE tenants SET status = ? WHERE tenant_id = ?', [status, code]);
      if (opts.publish ?? true) await publishTenantStatus(cp.ctx.redis, cp.config.REDIS_KEY_PREFIX, code, status);
    },
    async serverConnections() {
      // Tenant connections are signed in as the server's account or as a tenant's own account.
      const [rows] = await cp.db.query<RowDataPacket[]>(
        'SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER IN (?)',
        [[mysqlUser, roleUser, ...tenantAccounts]],
      );
      return Number(rows[0]!.n);
    },
    async close() {
      await server.close(1000);
      await closeContext(ctx);
      await cp.close();
      await dropDatabases(databases);
      const conn = await connect(target);
      await conn.query(`DROP USER IF EXISTS ${quoteUser(mysqlUser)}`).catch(() => undefined);
      await conn.query(`DROP USER IF EXISTS ${quoteUser(roleUser)}`).catch(() => undefined);
      for (const u of tenantAccounts) await dropTenantDbUser(conn, u, '%').catch(() => undefined);
      for (const d of databases) await dropTenantDbRole(conn, tenantDbRoleName(d)).catch(() => undefined);
      await conn.end();
      delete process.env[secretEnv];
      fs.rmSync(storageDir, { recursive: true, force: true });
    },
  };
  return stack;
}

function quoteUser(user: string): string {
  if (!/^[a-z0-9_]+$/.test(user)) throw new Error('bad user');
  return `'${user}'@'%'`;
}

/**
 * An HTTP request with full control of the Host header (fetch refuses to set it), for
 * subdomain resolution: `{code}.{BASE_DOMAIN}` while connecting to 127.0.0.1.
 */
export function requestWithHost(
  url: string,
  host: string,
  opts: { method?: string; token?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = nodeHttp.request(
      url,
      {
        method: opts.method ?? 'GET',
        headers: { host, ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}), ...(opts.headers ?? {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            /* not JSON */
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Headers naming a tenant by X-Tenant-Code. */
export function tenantHeader(code: string): Record<string, string> {
  return { 'x-tenant-code': code };
}
