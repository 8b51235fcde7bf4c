/**
 * Targets (docs/decisions.md, Tenant databases): a one-row read through the whole stack (tenant
 * resolution, token verification, RBAC, pool switch) over 500 tenants round-robin reaches at
 * least 85% of the requests per second of a bare Express + mysql2 handler reading one database,
 * same run, same load; p99 at most 2x; MySQL connections held never above the budget; tenant app
 * RSS under 300 MB after serving 1000 tenants.
 *
 * Set-up (test harness): a real control plane in-process (JWKS, tokens, control DB), the real
 * template, 500 (then 1000) tenant databases each with an admin and a class. The tenant app and
 * the bare handler each run as their own child process (`node --import tsx`); this process is
 * the load generator: a closed loop of BENCH_CONCURRENCY keep-alive requests for BENCH_SECONDS,
 * bare and full stack alternating BENCH_ROUNDS times. With two or more CPUs both servers are
 * pinned to the last CPU and the load generator to the others (BENCH_PIN=0 to leave scheduling
 * alone), so the load generator does not take CPU time from the server it measures; MariaDB and
 * Redis are not touched. Prints a table and writes bench/results/tenant-app.json.
 * On a small shared machine every process competes for the same cores, so besides requests/s it
 * records the CPU each request costs in the server, the load generator, MariaDB and Redis during
 * each side's runs, and how many table definitions MariaDB had to reopen (500 tenant databases
 * can outgrow `table_definition_cache`; the one-database baseline never does).
 * A measurement, never a test gate. The tenant switch comes from the environment:
 * TENANT_DB_SWITCH_USER=false (off), TENANT_DB_SWITCH_WITH (role | change_user) and, for role,
 * TENANT_DB_ROLE_SWITCH (one_write | separate | multi_statement); the result records which, and the
 * load average at the start and end of the run.
 *
 * Figures (docs/request-path.md, Measurements; 2-core VM, roles in one write, load average 3-5):
 * 1.112, 0.984 and 1.088 of the bare rate in three runs (rounds 0.91-1.40), p99 0.65-0.83x,
 * server CPU 174-210 us per request against 239-273 for the bare handler, load generator 90-144
 * against 83-120, MariaDB 118-157 against 77-112 (2.01 statements per request), connections 20,
 * RSS 148-221 MB. Before (same morning): 0.769, server 406 against 313 us. What changed is the
 * tenant app, not this script or its baseline: requests created with the app's prototypes
 * (Express's per-request setPrototypeOf cost the bare handler itself ~140 us; a scratch bare
 * variant served the same way ran 146-185 us and the full stack reached 0.80-0.96 of it), the
 * API's own entry instead of Express's routers, and res.json() without res.send(). The switch
 * costs MariaDB ~24 us per request (~18 as a multi-statement text) and the app no measurable CPU.
 *
 *   npx tsx --conditions=development bench/tenant-app.ts
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { connect, type RowDataPacket } from '@kg/shared';
import { testMysqlTarget, freePort } from '@kg/shared/testing';
import { startTenantStack, type TenantStack, type TestTenant, type TestUser } from '../tenant-app/test/helpers/harness';

const TENANTS = Number(process.env.BENCH_TENANTS ?? 500);
const RSS_TENANTS = Number(process.env.BENCH_RSS_TENANTS ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
// Servers on the last CPU, this load generator on the others (BENCH_PIN=0 leaves scheduling alone).
const PIN = process.env.BENCH_PIN !== '0' && os.cpus().length >= 2;
const BUDGET = 20;
const TABLES = ['users', 'roles', 'permissions', 'user_roles', 'role_permissions', 'classes'];

interface Target {
  path: string;
  headers: Record<string, string>;
}

interface RunResult {
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;


/** Closed-loop load: `concurrency` loops, each sending its next request when the last answered. */
async function load(port: number, targets: Target[], seconds: number, concurrency: number, count = Infinity): Promise<RunResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const deadline = performance.now() + seconds * 1000;
  const one = (t: Target) =>
    new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: t.path, headers: t.headers, agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      // Timed, or a fixed number of requests when `count` is given.
      while (count === Infinity ? performance.now() < deadline : next < count) {
        const t = targets[next++ % targets.length]!;
        const s = performance.now();
        const status = await one(t).catch(() => 0);
        latencies.push(performance.now() - s);
        if (status !== 200) errors++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    seconds: round(elapsed),
    rps: round(latencies.length / elapsed, 0),
    p50: round(percentile(latencies, 50)),
    p99: round(percentile(latencies, 99)),
  };
}

function startChild(script: string, env: Record<string, string>): Promise<ChildProcess> {
  const child = fork(script, [], {
    env: { ...process.env, ...env, KG_SKIP_DOTENV: '1', LOG_LEVEL: 'silent' },
    execArgv: [
      '--conditions=development',
      '--import',
      'tsx',
      ...(process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}/bare`] : []),
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
    child.once('message', () => resolve(child));
  });
}

async function waitHealthy(port: number, path = '/api/health'): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}${path}`);
      if (res.status === 200) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server on ${port} never became healthy`);
}

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * A server process on this machine (MariaDB, Redis: their CPU is part of a request's cost), if
 * any; with `port`, not one started with another `--port=` (tests start a second MariaDB).
 */
function pidOf(names: string[], port?: number): number | undefined {
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const comm = fs.readFileSync(`/proc/${d}/comm`, 'utf8').trim();
      const other = port !== undefined && /--port=(\d+)/.exec(fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' '))?.[1];
      if (names.includes(comm) && (!other || other === String(port))) return Number(d);
    } catch {
      /* gone */
    }
  }
  return undefined;
}

/**
 * Pins every thread of a process to the given CPUs (taskset). On a small machine this keeps the
 * load generator from taking CPU time from the server under test; MariaDB is left unpinned.
 * Returns false when taskset is not available.
 */
function pin(pid: number, cpus: string): boolean {
  try {
    execFileSync('taskset', ['-a', '-pc', cpus, String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return round(kb / 1024, 1);
}

async function seed(stack: TenantStack, from: number, to: number, out: Array<{ tenant: TestTenant; admin: TestUser }>) {
  let next = from;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < to) {
        const i = next++;
        const code = `k${String(i + 1).padStart(4, '0')}`;
        const tenant = await stack.createTenant(code, { tables: TABLES });
        const admin = await stack.addUser(tenant, 'admin');
        const conn = await stack.tenantConn(tenant);
        await conn.query("INSERT INTO classes (id, name, grade, academic_year) VALUES (1, ?, 'small', '2025-2026')", [`Class of ${code}`]);
        await conn.end();
        out[i] = { tenant, admin };
      }
    }),
  );
}

type CacheSetting = { name: string; was: number; now: number };
let mariadbCaches: CacheSetting[] = [];

/** Raises table_definition_cache / table_open_cache to `needed` where they are lower. */
async function sizeTableCaches(needed: number): Promise<CacheSetting[]> {
  const conn = await connect(testMysqlTarget());
  try {
    const out: CacheSetting[] = [];
    for (const name of ['table_definition_cache', 'table_open_cache']) {
      const [rows] = await conn.query<RowDataPacket[]>('SELECT @@GLOBAL.' + name + ' AS v');
      const was = Number(rows[0]!.v);
      if (was < needed) await conn.query(`SET GLOBAL ${name} = ?`, [needed]);
      out.push({ name, was, now: Math.max(was, needed) });
    }
    return out;
  } finally {
    await conn.end();
  }
}

async function restoreTableCaches(settings: CacheSetting[]): Promise<void> {
  const changed = settings.filter((c) => c.now !== c.was);
  if (!changed.length) return;
  const conn = await connect(testMysqlTarget());
  try {
    for (const c of changed) await conn.query(`SET GLOBAL ${c.name} = ?`, [c.was]);
  } finally {
    await conn.end();
  }
}

async function main(): Promise<void> {
  const t0 = performance.now();
  // The machine's load when the run starts and ends: figures from a loaded machine are not comparable.
  const loadStart = os.loadavg().map((n) => round(n, 1));
  const stack = await startTenantStack('bench', { LOG_LEVEL: 'silent' });
  const children: ChildProcess[] = [];
  try {
    const tenants: Array<{ tenant: TestTenant; admin: TestUser }> = [];
    await seed(stack, 0, TENANTS, tenants);
    // A server holding hundreds of tenant databases needs table caches sized to the tenant tables
    // in use (README, "Operating MariaDB for many tenants"). A server still on the defaults is
    // raised for the run and put back afterwards.
    mariadbCaches = await sizeTableCaches(RSS_TENANTS * TABLES.length * 2);
    process.stdout.write(`seeded ${TENANTS} tenants in ${round((performance.now() - t0) / 1000, 1)} s\n`);

    const target = testMysqlTarget();
    const appPort = await freePort();
    const barePort = await freePort();
    // The tenant app runs compiled (npm run build) unless BENCH_FROM_SOURCE is set, so RSS is
    // what production sees (no TypeScript loader in memory).
    const fromSource = Boolean(process.env.BENCH_FROM_SOURCE) || !fs.existsSync(path.join(__dirname, '../tenant-app/dist/start/server.js'));
    const app = fork(path.join(__dirname, fromSource ? '../tenant-app/src/start/server.ts' : '../tenant-app/dist/start/server.js'), [], {
      env: {
        ...process.env,
        KG_SKIP_DOTENV: '1',
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        TENANT_APP_PORT: String(appPort),
        BASE_DOMAIN: stack.config.BASE_DOMAIN,
        CONTROL_PLANE_URL: stack.config.CONTROL_PLANE_URL,
        JWT_ISSUER: stack.config.JWT_ISSUER,
        MYSQL_HOST: target.host,
        MYSQL_PORT: String(target.port),
        MYSQL_USER: target.user,
        MYSQL_PASSWORD: target.password,
        CONTROL_DB_NAME: stack.config.CONTROL_DB_NAME,
        MASTER_KEY: stack.config.MASTER_KEY,
        REDIS_URL: stack.config.REDIS_URL,
        REDIS_KEY_PREFIX: stack.config.REDIS_KEY_PREFIX,
        TENANT_DB_MAX_CONNECTIONS: String(BUDGET),
        // Per-tenant switch on (default) or off, and how (role or change_user), to measure each.
        TENANT_DB_SWITCH_USER: process.env.TENANT_DB_SWITCH_USER ?? 'true',
        TENANT_DB_SWITCH_WITH: process.env.TENANT_DB_SWITCH_WITH ?? stack.config.TENANT_DB_SWITCH_WITH,
        TENANT_DB_ROLE_USER: stack.roleUser,
        TENANT_DB_ROLE_PASSWORD: stack.rolePassword,
        STORAGE_LOCAL_ROOT: os.tmpdir(),
      },
      execArgv: [
        ...(fromSource ? ['--conditions=development', '--import', 'tsx'] : []),
        ...(process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : []),
      ],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.push(app);
    const switchSetting =
      process.env.TENANT_DB_SWITCH_USER === 'false'
        ? 'off'
        : `${process.env.TENANT_DB_SWITCH_WITH ?? stack.config.TENANT_DB_SWITCH_WITH}${(process.env.TENANT_DB_SWITCH_WITH ?? stack.config.TENANT_DB_SWITCH_WITH) === 'role' ? ` (${process.env.TENANT_DB_ROLE_SWITCH ?? 'one_write'})` : ''}`;
    const bare = await startChild(path.join(__dirname, 'tenant-app-bare.ts'), {
      BARE_PORT: String(barePort),
      BARE_DATABASE: tenants[0]!.tenant.database,
      BARE_CONNECTIONS: String(BUDGET),
      MYSQL_HOST: target.host,
      MYSQL_PORT: String(target.port),
      MYSQL_USER: target.user,
      MYSQL_PASSWORD: target.password,
    });
    children.push(bare);
    await waitHealthy(appPort);
    await waitHealthy(barePort, '/bare/classes/1');
    const lastCpu = os.cpus().length - 1;
    const pinned = PIN && pin(app.pid!, String(lastCpu)) && pin(bare.pid!, String(lastCpu)) && pin(process.pid, `0-${lastCpu - 1}`);

    const bareTargets: Target[] = [{ path: '/bare/classes/1', headers: {} }];
    const fullTargets = (list: typeof tenants): Target[] =>
      list.map(({ tenant, admin }) => ({
        path: '/api/classes/1',
        headers: { 'x-tenant-code': tenant.code, authorization: `Bearer ${admin.token}` },
      }));
    const full = fullTargets(tenants);

    // Warm-up: JIT, pools, JWKS, every tenant's registry entry and access cache.
    await load(barePort, bareTargets, 2, CONCURRENCY);
    await load(appPort, full, 3, CONCURRENCY);

    // PROCESSLIST is sampled during both runs (the same extra load on MariaDB and on this
    // process for both sides); only the full stack's samples are the budget check.
    let maxServerSide = 0;
    let sampling: 'bare' | 'full' | null = null;
    const sampler = async () => {
      while (sampling) {
        const n = await stack.serverConnections();
        if (sampling === 'full') maxServerSide = Math.max(maxServerSide, n);
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    const dbPid = pidOf(['mariadbd', 'mysqld'], target.port);
    const redisPid = pidOf(['redis-server']);
    const tableDefinitionsOpened = async () => {
      const conn = await stack.tenantConn(tenants[0]!.tenant);
      try {
        const [rows] = await conn.query("SHOW GLOBAL STATUS WHERE Variable_name IN ('Opened_table_definitions', 'Opened_tables', 'Com_select', 'Questions')");
        return Object.fromEntries((rows as Array<{ Variable_name: string; Value: string }>).map((r) => [r.Variable_name, Number(r.Value)]));
      } finally {
        await conn.end();
      }
    };
    const bareRuns: RunResult[] = [];
    const fullRuns: RunResult[] = [];
    const cpu = { bare: 0, full: 0, loadGenBare: 0, loadGenFull: 0, mariadbBare: 0, mariadbFull: 0, redisBare: 0, redisFull: 0 };
    const opened = { bare: { tables: 0, definitions: 0, selects: 0, statements: 0 }, full: { tables: 0, definitions: 0, selects: 0, statements: 0 } };
    const measured = async (side: 'bare' | 'full', pid: number, port: number, targets: Target[]) => {
      const st0 = await tableDefinitionsOpened();
      sampling = side;
      // A failed run must surface its own error, not the sampler's once the stack is closed.
      const s = sampler().catch(() => undefined);
      const c0 = cpuSeconds(pid);
      const d0 = dbPid ? cpuSeconds(dbPid) : 0;
      const r0 = redisPid ? cpuSeconds(redisPid) : 0;
      const g0 = process.cpuUsage();
      const run = await load(port, targets, SECONDS, CONCURRENCY);
      const g = process.cpuUsage(g0);
      cpu[side] += cpuSeconds(pid) - c0;
      cpu[side === 'bare' ? 'mariadbBare' : 'mariadbFull'] += dbPid ? cpuSeconds(dbPid) - d0 : NaN;
      cpu[side === 'bare' ? 'redisBare' : 'redisFull'] += redisPid ? cpuSeconds(redisPid) - r0 : NaN;
      cpu[side === 'bare' ? 'loadGenBare' : 'loadGenFull'] += (g.user + g.system) / 1e6;
      sampling = null;
      await s;
      const st1 = await tableDefinitionsOpened();
      opened[side].tables += st1.Opened_tables! - st0.Opened_tables!;
      opened[side].definitions += st1.Opened_table_definitions! - st0.Opened_table_definitions!;
      opened[side].selects += st1.Com_select! - st0.Com_select!;
      opened[side].statements += st1.Questions! - st0.Questions!;
      return run;
    };
    for (let round = 0; round < ROUNDS; round++) {
      bareRuns.push(await measured('bare', bare.pid!, barePort, bareTargets));
      fullRuns.push(await measured('full', app.pid!, appPort, full));
    }
    const metrics = await (await fetch(`http://127.0.0.1:${appPort}/metrics`)).text();
    const peakOpen = Number(/tenant_db_connections_peak\{[^}]*\} (\d+)/.exec(metrics)?.[1] ?? NaN);

    // RSS after serving 1000 tenants: add tenants, send every one of them a request (cold: its
    // registry entry, membership and token are loaded), then keep serving all of them for a while.
    await seed(stack, TENANTS, RSS_TENANTS, tenants);
    const all = fullTargets(tenants);
    const coldRun = await load(appPort, all, 0, CONCURRENCY, all.length);
    const rssRun = await load(appPort, all, Math.max(4, SECONDS / 2), CONCURRENCY);
    const rss = rssMb(app.pid!);
    const after = await (await fetch(`http://127.0.0.1:${appPort}/metrics`)).text();
    const gauge = (name: string) => round(Number(new RegExp(`^${name}\\{[^}]*\\} (\\S+)`, 'm').exec(after)?.[1] ?? NaN) / 2 ** 20, 1);
    const heap = { usedMb: gauge('nodejs_heap_size_used_bytes'), totalMb: gauge('nodejs_heap_size_total_bytes'), externalMb: gauge('nodejs_external_memory_bytes') };

    const sum = (runs: RunResult[]) => {
      const requests = runs.reduce((n, r) => n + r.requests, 0);
      const seconds = runs.reduce((n, r) => n + r.seconds, 0);
      return {
        requests,
        errors: runs.reduce((n, r) => n + r.errors, 0),
        rps: round(requests / seconds, 0),
        p50: round(Math.max(...runs.map((r) => r.p50))),
        p99: round(Math.max(...runs.map((r) => r.p99))),
        runs,
      };
    };
    const b = sum(bareRuns);
    const f = sum(fullRuns);
    // Each round runs bare then full back to back: the spread of their ratios shows how much one
    // run's figure can be trusted on this machine.
    const roundRatios = bareRuns.map((r, i) => fullRuns[i]!.rps / r.rps).sort((x, y) => x - y);
    const perRound = {
      min: round(roundRatios[0]!, 3),
      median: round(roundRatios[Math.floor(roundRatios.length / 2)]!, 3),
      max: round(roundRatios[roundRatios.length - 1]!, 3),
    };
    const cpuPerRequestUs = {
      bare: round((cpu.bare / b.requests) * 1e6, 0),
      fullStack: round((cpu.full / f.requests) * 1e6, 0),
      loadGeneratorBare: round((cpu.loadGenBare / b.requests) * 1e6, 0),
      loadGeneratorFull: round((cpu.loadGenFull / f.requests) * 1e6, 0),
      // MariaDB is shared by the whole machine; this is its CPU during each side's runs.
      mariadbBare: round((cpu.mariadbBare / b.requests) * 1e6, 0),
      mariadbFull: round((cpu.mariadbFull / f.requests) * 1e6, 0),
      redisBare: round((cpu.redisBare / b.requests) * 1e6, 0),
      redisFull: round((cpu.redisFull / f.requests) * 1e6, 0),
    };
    const result = {
      spec: 'tenant app targets (docs/decisions.md, Tenant databases)',
      cpuPerRequestUs,
      when: new Date().toISOString(),
      machine: { cpus: os.cpus().length, node: process.version },
      settings: { tenantAppFrom: fromSource ? 'src (tsx)' : 'dist', tenants: TENANTS, rssTenants: RSS_TENANTS, concurrency: CONCURRENCY, secondsPerRun: SECONDS, rounds: ROUNDS, budget: BUDGET,
        mariadbTableCaches: Object.fromEntries(mariadbCaches.map((c) => [c.name, c.now === c.was ? `${c.now}` : `${c.now} (raised from ${c.was} for the run)`])),
        cpuPinning: pinned ? `servers on CPU ${lastCpu}, load generator on CPU 0-${lastCpu - 1}, MariaDB and Redis unpinned` : 'none',
        tenantSwitch: switchSetting, loadAverage: { start: loadStart, end: os.loadavg().map((n) => round(n, 1)) } },
      bare: b,
      fullStack: f,
      ratios: { rps: round(f.rps / b.rps, 3), p99: round(f.p99 / b.p99, 3), rpsPerRound: perRound },
      connections: { budget: BUDGET, peakPoolManager: peakOpen, maxMariaDbProcesslist: maxServerSide },
      // Tables / table definitions MariaDB had to (re)open during the timed runs: with 500 tenant
      // databases the server's table caches may be too small (table_definition_cache), a cost the
      // one-database baseline never pays.
      mariadbOpened: { ...opened, perFullRequest: round(opened.full.definitions / f.requests, 3) },
      rss: {
        tenantsServed: tenants.length,
        rssMb: rss,
        heap,
        firstRequestToEachTenant: { requests: coldRun.requests, errors: coldRun.errors, rps: coldRun.rps, p99: coldRun.p99 },
        thenRequests: rssRun.requests,
        errors: rssRun.errors,
      },
      targets: {
        rpsAtLeast85pct: f.rps / b.rps >= 0.85,
        p99AtMost2x: f.p99 / b.p99 <= 2,
        connectionsWithinBudget: Math.max(peakOpen, maxServerSide) <= BUDGET,
        rssUnder300Mb: rss < 300,
      },
    };
    const rows = [
      ['', 'bare Express + mysql2', `full stack, ${TENANTS} tenants`, 'ratio', 'target'],
      ['requests/s', String(b.rps), String(f.rps), String(result.ratios.rps), '>= 0.85'],
      ['requests/s ratio per round', '', '', `${perRound.min} / ${perRound.median} / ${perRound.max}`, '(min / median / max)'],
      ['p50 ms', String(b.p50), String(f.p50), '', ''],
      ['p99 ms', String(b.p99), String(f.p99), String(result.ratios.p99), '<= 2'],
      ['errors', String(b.errors), String(f.errors), '', '0'],
      ['server CPU us/request', String(cpuPerRequestUs.bare), String(cpuPerRequestUs.fullStack), '', ''],
      ['load generator CPU us/request', String(cpuPerRequestUs.loadGeneratorBare), String(cpuPerRequestUs.loadGeneratorFull), '', ''],
      ['MariaDB CPU us/request', String(cpuPerRequestUs.mariadbBare), String(cpuPerRequestUs.mariadbFull), '', ''],
      ['Redis CPU us/request', String(cpuPerRequestUs.redisBare), String(cpuPerRequestUs.redisFull), '', ''],
      ['MariaDB statements per request', String(round(opened.bare.statements / b.requests)), String(round(opened.full.statements / f.requests)), '', ''],
      ['MariaDB table definitions opened', String(opened.bare.definitions), String(opened.full.definitions), '', ''],
      ['max MySQL connections', `${BUDGET} (pool)`, `${peakOpen} (manager) / ${maxServerSide} (PROCESSLIST)`, '', `<= ${BUDGET}`],
      [`RSS after ${tenants.length} tenants`, '', `${rss} MB (heap ${heap.usedMb} used / ${heap.totalMb} MB)`, '', '< 300 MB'],
    ];
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
    for (const r of rows) process.stdout.write(r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ') + '\n');
    process.stdout.write(
      `settings: ${JSON.stringify({ tenantSwitch: switchSetting, loadAverage: result.settings.loadAverage, mariadbTableCaches: result.settings.mariadbTableCaches, cpuPinning: result.settings.cpuPinning })}\n`,
    );
    process.stdout.write(`targets: ${JSON.stringify(result.targets)}\n`);
    // A short history of earlier runs (summaries, newest last), so run-to-run spread on a shared
    // machine is visible next to the latest full result.
    const file = path.join(__dirname, 'results', 'tenant-app.json');
    type Summary = { when: string; profiled?: boolean; tenantSwitch?: string; loadAverage?: number[]; rpsRatio: number; p99Ratio: number; bareRps: number; fullRps: number; peakConnections: number; rssMb: number };
    const summary = (r: typeof result & { profiled?: boolean }): Summary => ({
      when: r.when,
      ...(r.profiled ? { profiled: true } : {}),
      ...(r.settings.tenantSwitch ? { tenantSwitch: r.settings.tenantSwitch, loadAverage: r.settings.loadAverage.start } : {}),
      rpsRatio: r.ratios.rps,
      p99Ratio: r.ratios.p99,
      bareRps: r.bare.rps,
      fullRps: r.fullStack.rps,
      peakConnections: Math.max(r.connections.peakPoolManager, r.connections.maxMariaDbProcesslist),
      rssMb: r.rss.rssMb,
    });
    let history: Summary[] = [];
    try {
      const prev = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof result & { profiled?: boolean; history?: Summary[] };
      history = [...(prev.history ?? []), summary(prev)].slice(-9);
    } catch {
      /* first run */
    }
    const written = { ...result, ...(process.env.BENCH_PROFILE ? { profiled: true } : {}), history };
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(written, null, 2) + '\n');
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    await stack.close();
    await restoreTableCaches(mariadbCaches);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
