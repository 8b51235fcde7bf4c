import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect, dropTenantDbRole, dropTenantDbUser, grantDatabase, quoteId, repoRoot, SecretBox, tenantDbRoleName, type Connection, type RowDataPacket } from '@kg/shared';
import { dropDatabases, http, testMysqlTarget, uniqueId } from '@kg/shared/testing';
import { buildTemplate } from '@kg/templates-db';
// The create API lives in the control plane: these tests start it in-process with its own harness.
import { startControlPlane, type TestControlPlane } from '../../../control-plane/test/helpers/harness';
import { roleTokens, type RoleTokens } from '../../../control-plane/test/helpers/operator-fixtures';

/**
 * A control plane in-process plus provisioner workers as real child processes, over one unique
 * control database, template database, tenant database prefix, Redis prefix and storage folder
 * per test file (tests share one MariaDB and one Redis).
 */
export interface ProvisioningEnv {
  cp: TestControlPlane;
  tokens: RoleTokens;
  /** Tenant databases of this file are named `${dbPrefix}NNN`. */
  dbPrefix: string;
  storageRoot: string;
  workerEnv: Record<string, string>;
  startWorker(env?: Record<string, string>): Worker;
  close(): Promise<void>;
}

export class Worker {
  readonly output: string[] = [];
  readonly exited: Promise<number | null>;
  private waiters: Array<{ re: RegExp; resolve: () => void }> = [];

  constructor(readonly child: ChildProcess) {
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      this.output.push(text);
      if (process.env.TEST_WORKER_OUTPUT) process.stderr.write(text);
      const all = this.output.join('');
      this.waiters = this.waiters.filter((w) => {
        if (w.re.test(all)) w.resolve();
        return !w.re.test(all);
      });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  /** Resolves when the worker's output matches `re`. */
  waitFor(re: RegExp, timeoutMs = 30_000): Promise<void> {
    if (re.test(this.output.join(''))) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`worker output did not match ${re} within ${timeoutMs} ms:\n${this.output.join('').slice(-3000)}`)),
        timeoutMs,
      );
      this.waiters.push({
        re,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** Graceful stop (SIGTERM), SIGKILL after 10 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Spawns `provisioner/src/start/worker.ts` the way PM2 runs it (development conditions, tsx). */
export function spawnWorker(env: Record<string, string>): Worker {
  const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', 'provisioner/src/start/worker.ts'], {
    cwd: repoRoot(),
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Worker(child);
}

export async function startProvisioningEnv(label: string, cpEnv: Record<string, string> = {}): Promise<ProvisioningEnv> {
  const dbPrefix = `${uniqueId(label)}_rent`;
  const cp = await startControlPlane(label, {
    TENANT_DB_PREFIX: dbPrefix,
    SMS_RESEND_SECONDS: '1',
    SMS_DAILY_LIMIT: '1000',
    PROVISIONER_MAX_ATTEMPTS: '3',
    PROVISIONER_BACKOFF_MS: '200',
    ...cpEnv,
  });
  const target = testMysqlTarget();
  await buildTemplate(target, cp.config.TEMPLATE_DB_NAME);
  // One active default AI model, so the "copy the default AI configuration" step has work to do.
  await cp.db.query(
    `INSERT INTO ai_model_config (name, display_name, provider, endpoint_url, is_default, status)
     VALUES ('test-default', 'Test default', 'openai', 'http://127.0.0.1:1/v1', 1, 'active'),
            ('test-other', 'Test other', 'openai', 'http://127.0.0.1:1/v1', 0, 'active'),
            ('test-retired', 'Test retired', 'openai', 'http://127.0.0.1:1/v1', 0, 'inactive')`,
  );
  const tokens = await roleTokens(cp);
  const storageRoot = fs.mkdtempSync(path.join(os.tmpdir(), `kg-storage-${label}-`));
  const workerEnv: Record<string, string> = {
    NODE_ENV: 'test',
    KG_SKIP_DOTENV: '1',
    LOG_LEVEL: process.env.TEST_WORKER_LOG_LEVEL ?? 'warn',
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
    PROVISIONER_METRICS_PORT: '0',
    PROVISIONER_LOCK_MS: '1000',
    PROVISIONER_STALLED_INTERVAL_MS: '500',
    PROVISIONER_TENANT_LOCK_WAIT_MS: '5000',
    STORAGE_LOCAL_ROOT: storageRoot,
    CLEANUP_CRON: '0 3 1 1 *',
  };
  const workers: Worker[] = [];
  return {
    cp,
    tokens,
    dbPrefix,
    storageRoot,
    workerEnv,
    startWorker(env = {}) {
      const w = spawnWorker({ ...workerEnv, ...env });
      workers.push(w);
      return w;
    },
    async close() {
      await Promise.all(workers.map((w) => w.kill()));
      await dropDatabases(await tenantDatabases(dbPrefix));
      await dropTenantAccounts(cp);
      await cp.close();
      fs.rmSync(storageRoot, { recursive: true, force: true });
    },
  };
}

/** Drops the MySQL accounts and roles the pipeline made for this file's tenants (both are server-wide). */
export async function dropTenantAccounts(cp: TestControlPlane): Promise<void> {
  const [rows] = await cp.db.query<RowDataPacket[]>('SELECT db_user, db_user_host, database_name FROM tenants WHERE db_user IS NOT NULL');
  const conn = await connect(testMysqlTarget());
  try {
    for (const r of rows) {
      await dropTenantDbUser(conn, String(r.db_user), String(r.db_user_host)).catch(() => undefined);
      await dropTenantDbRole(conn, tenantDbRoleName(String(r.database_name))).catch(() => undefined);
    }
  } finally {
    await conn.end();
  }
}

/** Tenant databases of this file on the local server. */
export async function tenantDatabases(dbPrefix: string): Promise<string[]> {
  const conn = await connect(testMysqlTarget());
  try {
    const [rows] = await conn.query<RowDataPacket[]>('SELECT SCHEMA_NAME AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ?', [
      `${dbPrefix}%`,
    ]);
    return rows.map((r) => String(r.n));
  } finally {
    await conn.end();
  }
}

let phoneCounter = 0;

/** A phone number unique to this test run. */
export function uniquePhone(): string {
  phoneCounter++;
  return `13${String(process.pid % 10)}${String(Date.now() % 1e5).padStart(5, '0')}${String(phoneCounter).padStart(3, '0')}`.slice(0, 11);
}

/** Sends a tenant_create code to `phone` and reads it back from the console provider's dev inbox. */
export async function smsCode(env: ProvisioningEnv, phone: string): Promise<string> {
  const send = () => http('POST', `${env.cp.url}/api/sms/send-code`, { body: { phone, purpose: 'tenant_create' } });
  let sent = await send();
  // A second code for the same phone (a test reusing a contact phone) may meet the resend
  // throttle: wait as told, as a client would.
  if (sent.status === 429 && sent.body?.error?.code === 'SMS_RESEND_THROTTLED') {
    await new Promise((r) => setTimeout(r, (Number(sent.body.error.details?.retryAfterSeconds) || 1) * 1000 + 50));
    sent = await send();
  }
  if (sent.status !== 200) throw new Error(`send-code failed: ${sent.status} ${JSON.stringify(sent.body)}`);
  const inbox = await http('GET', `${env.cp.url}/api/sms/dev-inbox?phone=${phone}`, { token: env.tokens.operator });
  const entry = inbox.body.data.items.find((i: { purpose: string }) => i.purpose === 'tenant_create');
  return entry.code as string;
}

/** A valid create request body with a fresh phone and SMS code. */
export async function createBody(env: ProvisioningEnv, extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const phone = (extra.contactPhone as string | undefined) ?? uniquePhone();
  return {
    name: '示例幼儿园',
    contactName: '张三',
    contactEmail: 'zhangsan@example.com',
    contactPhone: phone,
    smsVerificationCode: await smsCode(env, phone),
    address: '北京市朝阳区xxx街道',
    description: '一所优质的幼儿园',
    ...extra,
  };
}

export function createTenantRequest(env: ProvisioningEnv, body: Record<string, unknown>) {
  return http('POST', `${env.cp.url}/api/tenant/create`, { body, token: env.tokens.operator });
}

export async function tenantStatus(env: ProvisioningEnv, tenantCode: string): Promise<string> {
  const [rows] = await env.cp.db.query<RowDataPacket[]>('SELECT status FROM tenants WHERE tenant_id = ?', [tenantCode]);
  return String(rows[0]?.status);
}

/** Polls the tenant's status until it is one of `statuses`. */
export async function waitForStatus(env: ProvisioningEnv, tenantCode: string, statuses: string[], timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await tenantStatus(env, tenantCode);
    if (statuses.includes(status)) return status;
    if (Date.now() > deadline) throw new Error(`tenant ${tenantCode} still ${status} after ${timeoutMs} ms (wanted ${statuses.join('|')})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface TenantFootprint {
  status: string;
  databases: number;
  tables: number;
  dnsRecords: number;
  adminRelations: number;
  accounts: number;
  aiModels: number;
  completedSteps: number;
  tenantAdmins: number;
  folders: number;
  /** MySQL accounts named by the tenant's `db_user` (one). */
  dbAccounts: number;
  dbAccount: string;
}

/** Everything the pipeline leaves behind for one tenant, counted. */
export async function footprint(env: ProvisioningEnv, tenantCode: string): Promise<TenantFootprint> {
  const db = env.cp.db;
  const one = async (sql: string, params: unknown[]) => Number((await db.query<RowDataPacket[]>(sql, params))[0][0]!.n);
  const [[t]] = await db.query<RowDataPacket[]>(
    'SELECT id, status, database_name, oss_prefix, contact_phone, db_user, db_user_host, db_password_enc FROM tenants WHERE tenant_id = ?',
    [tenantCode],
  );
  const conn = await connect(testMysqlTarget());
  let databases = 0;
  let tables = 0;
  let tenantAdmins = 0;
  let dbAccounts = 0;
  let dbAccount = 'none';
  try {
    const [dbs] = await conn.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [t!.database_name]);
    databases = Number(dbs[0]!.n);
    const [tb] = await conn.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?', [t!.database_name]);
    tables = Number(tb[0]!.n);
    if (databases) {
      const [admins] = await conn.query<RowDataPacket[]>(
        `SELECT COUNT(*) AS n FROM \`${t!.database_name}\`.users u JOIN \`${t!.database_name}\`.user_roles ur ON ur.user_id = u.id
           JOIN \`${t!.database_name}\`.roles r ON r.id = ur.role_id WHERE u.phone = ? AND r.code = 'admin'`,
        [t!.contact_phone],
      );
      tenantAdmins = Number(admins[0]!.n);
    }
    const [users] = await conn.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM mysql.user WHERE User = ?', [t!.db_user ?? '']);
    dbAccounts = Number(users[0]!.n);
    if (dbAccounts) dbAccount = await dbAccountScope(env, conn, t!);
  } finally {
    await conn.end();
  }
  const folderDir = path.join(env.storageRoot, ...String(t!.oss_prefix ?? '').split('/').filter(Boolean));
  let folders = 0;
  const walk = (dir: string) => {
    if (!fs.existsSync(dir)) return;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(dir, e.name));
      else if (e.name === '.keep') folders++;
    }
  };
  walk(folderDir);
  return {
    status: String(t!.status),
    databases,
    tables,
    dnsRecords: await one('SELECT COUNT(*) AS n FROM dns_records WHERE rr = ?', [tenantCode]),
    adminRelations: await one("SELECT COUNT(*) AS n FROM global_user_tenant_relations WHERE tenant_code = ? AND role_in_tenant = 'admin'", [tenantCode]),
    accounts: await one('SELECT COUNT(*) AS n FROM tenant_accounts WHERE tenant_id = ?', [tenantCode]),
    aiModels: await one('SELECT COUNT(*) AS n FROM tenant_ai_model_configs WHERE tenant_id = ?', [t!.id]),
    completedSteps: await one("SELECT COUNT(*) AS n FROM tenant_init_steps WHERE tenant_id = ? AND status = 'completed'", [tenantCode]),
    tenantAdmins,
    folders,
    dbAccounts,
    dbAccount,
  };
}

/**
 * What the tenant's own MySQL account can do: 'own database only' when its grants are exactly the
 * data privileges on its database, its sealed password opens and signs in, and it reads its
 * database; otherwise what was wrong.
 */
async function dbAccountScope(env: ProvisioningEnv, root: Connection, t: RowDataPacket): Promise<string> {
  const account = `'${t.db_user}'@'${t.db_user_host}'`;
  const [grants] = await root.query<RowDataPacket[]>(`SHOW GRANTS FOR ${account}`);
  const lines = grants.map((g) => String(Object.values(g)[0]).replace(/ IDENTIFIED BY PASSWORD '[^']*'/, ''));
  const shown = `\`${t.db_user}\`@\`${t.db_user_host}\``;
  const expected = [
    `GRANT USAGE ON *.* TO ${shown}`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ${grantDatabase(String(t.database_name))}.* TO ${shown}`,
  ];
  if (JSON.stringify(lines.sort()) !== JSON.stringify(expected.sort())) return `grants: ${lines.join(' | ')}`;
  const password = new SecretBox(env.cp.config.MASTER_KEY).open(String(t.db_password_enc));
  const own = await connect({ ...testMysqlTarget(), user: String(t.db_user), password });
  try {
    await own.query(`SELECT COUNT(*) FROM ${quoteId(String(t.database_name))}.roles`);
  } finally {
    await own.end();
  }
  return 'own database only';
}

/** What a fully provisioned tenant looks like (template tables counted by the caller). */
export const PROVISIONED = {
  status: 'active',
  databases: 1,
  dnsRecords: 1,
  adminRelations: 1,
  accounts: 1,
  aiModels: 2,
  completedSteps: 8,
  tenantAdmins: 1,
  folders: 10,
  dbAccounts: 1,
  dbAccount: 'own database only',
};
