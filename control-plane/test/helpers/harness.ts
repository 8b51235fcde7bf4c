import { appServerOptions, createLogger, createPool, listen, parseEnv, type Pool } from '@kg/shared';
import {
  deleteRedisPrefix,
  dropDatabases,
  http,
  randomMasterKey,
  testMysqlTarget,
  testRedisUrl,
  uniqueId,
} from '@kg/shared/testing';
import { controlPlaneEnvSchema, type ControlPlaneConfig } from '../../src/config';
import type { AppContext } from '../../src/context';
import { createApp } from '../../src/http/app';
import { buildContext, closeContext } from '../../src/internal/build-context';
import { bootstrapSuperAdmin, ensureDefaultDatabaseServer, migrateControlDb } from '../../src/modules/bootstrap/bootstrap';

export const SUPER_ADMIN = { username: 'root-admin', password: 'Sup3rSecret!pass' };

/**
 * Abuse limits far above what any functional test does from 127.0.0.1; the security suite
 * passes low ones in `env` to test the limits themselves.
 */
export const GENEROUS_LIMITS: Record<string, string> = {
  RATE_LIMIT_SIGN_IN_PER_IP: '100000',
  RATE_LIMIT_SIGN_IN_PER_ACCOUNT: '100000',
  RATE_LIMIT_REGISTER_PER_IP: '100000',
  RATE_LIMIT_REGISTER_PER_ACCOUNT: '100000',
  RATE_LIMIT_SEND_CODE_PER_IP: '100000',
  RATE_LIMIT_SEND_CODE_PER_ACCOUNT: '100000',
  PASSWORD_HASH_GLOBAL_PER_SECOND: '100000',
  PASSWORD_HASH_QUEUE_MAX: '10000',
};

export interface TestControlPlane {
  url: string;
  ctx: AppContext;
  config: ControlPlaneConfig;
  /** A direct pool on the test's control database, for arranging and asserting rows. */
  db: Pool;
  /** Signs in as the bootstrapped super admin and returns the access token. */
  superAdminToken(): Promise<string>;
  close(): Promise<void>;
}

/**
 * Starts a control plane in-process on port 0 over a fresh, uniquely named control database and
 * Redis prefix. `env` overrides settings (e.g. point MYSQL_PORT at a TcpProxy).
 */
export async function startControlPlane(label: string, env: Record<string, string> = {}): Promise<TestControlPlane> {
  const id = uniqueId(label);
  const target = testMysqlTarget();
  const config = parseEnv(controlPlaneEnvSchema, {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    CONTROL_PLANE_PORT: '0',
    MYSQL_HOST: target.host,
    MYSQL_PORT: String(target.port),
    MYSQL_USER: target.user,
    MYSQL_PASSWORD: target.password,
    CONTROL_DB_NAME: `cp_${id}`,
    TEMPLATE_DB_NAME: `tpl_${id}`,
    REDIS_URL: testRedisUrl(),
    REDIS_KEY_PREFIX: `test:${id}:`,
    MASTER_KEY: randomMasterKey(),
    BCRYPT_COST: '4',
    BOOTSTRAP_ADMIN_USERNAME: SUPER_ADMIN.username,
    BOOTSTRAP_ADMIN_PASSWORD: SUPER_ADMIN.password,
    ...GENEROUS_LIMITS,
    ...env,
  });
  // Migrate and bootstrap straight against MySQL (not through any proxy in env).
  const direct = { ...config, MYSQL_HOST: target.host, MYSQL_PORT: target.port };
  await migrateControlDb(direct);
  const db = createPool(target, config.CONTROL_DB_NAME, { connectionLimit: 4 });
  await ensureDefaultDatabaseServer(db, direct);
  await bootstrapSuperAdmin(db, direct);
  const ctx = await buildContext(config, createLogger('control-plane-test', config.LOG_LEVEL));
  const app = createApp(ctx);
  const server = await listen(app, 0, '127.0.0.1', appServerOptions(app)); // as src/start/server.ts
  return {
    url: server.url,
    ctx,
    config,
    db,
    async superAdminToken() {
      const res = await http('POST', `${server.url}/api/admin/auth/login`, { body: SUPER_ADMIN });
      if (res.status !== 200) throw new Error(`super admin login failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.data.token as string;
    },
    async close() {
      await server.close(1000);
      await closeContext(ctx);
      await db.end();
      await dropDatabases([config.CONTROL_DB_NAME, config.TEMPLATE_DB_NAME]);
      await deleteRedisPrefix(config.REDIS_KEY_PREFIX);
    },
  };
}
