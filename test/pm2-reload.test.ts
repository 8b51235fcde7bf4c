import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { dropDatabases, deleteRedisPrefix, randomMasterKey, testMysqlTarget, testRedisUrl, uniqueId } from '@kg/shared/testing';

const ROOT = path.resolve(__dirname, '..');
const PM2 = path.join(ROOT, 'node_modules', '.bin', 'pm2');
const run = promisify(execFile);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** One GET on a fresh connection; resolves with the status, or 0 for a network error. */
/** The answer's status, or the client's error code (ECONNRESET, timeout, ...) when there was none. */
function get(url: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', (err: NodeJS.ErrnoException) => resolve(`response ${err.code ?? err.message}`));
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })));
  });
}

interface Pm2Process {
  name: string;
  pid: number;
  pm2_env: { status: string; exec_mode: string };
}

describe('PM2 on a VM: ecosystem.config.js with the real pm2', function () {
  this.timeout(240_000);
  const id = uniqueId('pm2');
  const pm2Home = fs.mkdtempSync(path.join(os.tmpdir(), 'kg-pm2-'));
  const controlDb = `cp_${id}`;
  const prefix = `test:${id}:`;
  let env: NodeJS.ProcessEnv;
  let tenantUrl: string;

  const pm2 = (...args: string[]) => run(PM2, args, { cwd: ROOT, env, timeout: 180_000 });
  const list = async () => JSON.parse((await pm2('jlist')).stdout) as Pm2Process[];

  before(async () => {
    execFileSync('npx', ['tsc', '-b'], { cwd: ROOT, stdio: 'ignore' });
    const [cpPort, taPort, provPort] = await Promise.all([freePort(), freePort(), freePort()]);
    const target = testMysqlTarget();
    env = {
      ...process.env,
      PM2_HOME: pm2Home,
      KG_LOG_DIR: path.join(pm2Home, 'logs'),
      CONTROL_PLANE_INSTANCES: '1',
      TENANT_APP_INSTANCES: '2',
      CONTROL_PLANE_PORT: String(cpPort),
      TENANT_APP_PORT: String(taPort),
      PROVISIONER_METRICS_PORT: String(provPort),
      CONTROL_PLANE_URL: `http://127.0.0.1:${cpPort}`,
      MYSQL_HOST: target.host,
      MYSQL_PORT: String(target.port),
      MYSQL_USER: target.user,
      MYSQL_PASSWORD: target.password,
      CONTROL_DB_NAME: controlDb,
      REDIS_URL: testRedisUrl(),
      REDIS_KEY_PREFIX: prefix,
      MASTER_KEY: randomMasterKey(),
      // The tenant app signs in to tenant databases as this role account (docs/privileges.md); this
      // test's load never reaches a tenant database, so the account need not exist.
      TENANT_DB_ROLE_USER: `kg_role_${id}`.slice(0, 32),
      TENANT_DB_ROLE_PASSWORD: `pw-${id}`,
      BOOTSTRAP_ADMIN_PASSWORD: 'Pm2Reload2026pass',
      LOG_LEVEL: 'info',
    };
    tenantUrl = `http://127.0.0.1:${taPort}`;
    // wait_ready: `pm2 start` returns once the control plane has migrated and listens.
    await pm2('start', 'ecosystem.config.js', '--only', 'control-plane');
    await pm2('start', 'ecosystem.config.js', '--only', 'tenant-app');
  });

  after(async () => {
    await pm2('kill').catch(() => undefined);
    fs.rmSync(pm2Home, { recursive: true, force: true });
    await dropDatabases([controlDb]);
    await deleteRedisPrefix(prefix);
  });

  it('when the apps are started, then both run in cluster mode, online, writing their log files', async () => {
    const procs = await list();
    const tenantApp = procs.filter((p) => p.name === 'tenant-app');
    assert.equal(tenantApp.length, 2);
    assert.ok(procs.every((p) => p.pm2_env.status === 'online' && p.pm2_env.exec_mode === 'cluster_mode'), JSON.stringify(procs.map((p) => p.pm2_env.status)));
    assert.ok(fs.existsSync(path.join(pm2Home, 'logs', 'control-plane.out.log')));
    assert.match(fs.readFileSync(path.join(pm2Home, 'logs', 'tenant-app.out.log'), 'utf8'), /tenant app listening/);
  });

  it('when both tenant-app workers answered requests, then one /metrics scrape counts all of them', async () => {
    const n = 40;
    const statuses = await Promise.all(Array.from({ length: n }, () => get(`${tenantUrl}/api/health`)));
    assert.deepEqual(new Set(statuses), new Set([200]));
    await new Promise((r) => setTimeout(r, 6_000)); // every worker publishes at least once
    const text = await (await fetch(`${tenantUrl}/metrics`)).text();
    const counted = text
      .split('\n')
      .filter((l) => l.startsWith('http_request_duration_seconds_count{') && l.includes('/api/health'))
      .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
    assert.equal(counted, n, text.split('\n').filter((l) => l.includes('/api/health')).join('\n'));
  });

  it('when the tenant app is reloaded under load, then no request fails and every worker is replaced', async () => {
    const before = (await list()).filter((p) => p.name === 'tenant-app').map((p) => p.pid);
    const results: Array<Promise<number | string>> = [];
    let loading = true;
    // About 200 requests per second, each on its own connection, until a second after the reload.
    const load = (async () => {
      while (loading) {
        results.push(get(`${tenantUrl}/api/health`));
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await new Promise((r) => setTimeout(r, 1_000));
    await pm2('reload', 'tenant-app');
    await new Promise((r) => setTimeout(r, 1_000));
    loading = false;
    await load;
    const statuses = await Promise.all(results);
    const failed = statuses.filter((s) => s !== 200);
    assert.ok(statuses.length > 300, `only ${statuses.length} requests were sent`);
    assert.equal(failed.length, 0, `${failed.length} of ${statuses.length} failed: ${[...new Set(failed)].join(',')}`);
    const after = (await list()).filter((p) => p.name === 'tenant-app');
    assert.equal(after.length, 2);
    assert.ok(after.every((p) => !before.includes(p.pid) && p.pm2_env.status === 'online'));
  });
});
