/**
 * Target: provisioning end to end (API request to `active`) with the real template has a median
 * of at most 1.5x the time of replaying the template's DDL into a fresh database over one
 * connection, measured in the same run; with 2 workers, throughput is at least 80% of that raw
 * clone rate (docs/decisions.md, The template clone; docs/provisioning.md, The clone).
 *
 * Builds the real template (templates-db/migrations) and measures, in one run:
 * - the raw clone floor: CREATE DATABASE + every CREATE TABLE of the template over one open
 *   connection, BENCH_FLOOR_RUNS times;
 * - end to end: POST /api/tenant/create until the tenant is `active` (control plane in-process,
 *   provisioner workers as real processes, PROVISIONER_CONCURRENCY=1 each), one tenant at a time;
 * - throughput: BENCH_BURST tenants submitted at once to 1 and to 2 worker processes.
 * Prints a table and writes bench/results/provisioning.json. A measurement, never a test gate.
 *
 *   npx tsx --conditions=development bench/provisioning.ts
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect, quoteId, type RowDataPacket } from '@kg/shared';
import { dropDatabases, testMysqlTarget } from '@kg/shared/testing';
import { snapshotTemplate } from '@kg/templates-db';
import {
  createBody,
  createTenantRequest,
  startProvisioningEnv,
  type ProvisioningEnv,
  type Worker,
} from '../provisioner/test/helpers/provisioning';

const FLOOR_RUNS = Number(process.env.BENCH_FLOOR_RUNS ?? 10);
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 10);
const BURST = Number(process.env.BENCH_BURST ?? 10);
const BCRYPT_COST = process.env.BENCH_BCRYPT_COST ?? '12';

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
const median = (v: number[]) => percentile(v, 50);
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

/** Replays the template's DDL into fresh databases over one connection; returns ms per database. */
async function measureFloor(templateDb: string, prefix: string): Promise<number[]> {
  const conn = await connect(testMysqlTarget());
  const names: string[] = [];
  try {
    const snap = await snapshotTemplate(conn, templateDb);
    const times: number[] = [];
    for (let i = 0; i < FLOOR_RUNS + 1; i++) {
      const name = `${prefix}_floor${i}`;
      names.push(name);
      const t = performance.now();
      await conn.query(`CREATE DATABASE ${quoteId(name)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
      await conn.query(`USE ${quoteId(name)}`);
      await conn.query('SET FOREIGN_KEY_CHECKS = 0');
      for (const table of snap.tables) await conn.query(table.ddl);
      await conn.query('SET FOREIGN_KEY_CHECKS = 1');
      if (i > 0) times.push(performance.now() - t); // the first run warms the server up
    }
    return times;
  } finally {
    await conn.end();
    await dropDatabases(names);
  }
}

async function waitActive(env: ProvisioningEnv, tenantCodes: string[], timeoutMs = 600_000): Promise<Map<string, number>> {
  const done = new Map<string, number>();
  const deadline = Date.now() + timeoutMs;
  while (done.size < tenantCodes.length) {
    const pending = tenantCodes.filter((c) => !done.has(c));
    const [rows] = await env.cp.db.query<RowDataPacket[]>(
      `SELECT tenant_id, status FROM tenants WHERE tenant_id IN (${pending.map(() => '?').join(',')})`,
      pending,
    );
    const now = performance.now();
    for (const r of rows) {
      if (r.status === 'active') done.set(String(r.tenant_id), now);
      else if (r.status === 'failed') throw new Error(`tenant ${r.tenant_id} failed`);
    }
    if (Date.now() > deadline) throw new Error(`tenants not active in time: ${pending.join(',')}`);
    if (done.size < tenantCodes.length) await new Promise((r) => setTimeout(r, 5));
  }
  return done;
}

let nextTenantNumber = 100;

/** One tenant at a time: request -> active, ms each. */
const responseMs: number[] = [];
const sequentialCodes: string[] = [];

async function measureSequential(env: ProvisioningEnv, n: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const tenantCode = `k${nextTenantNumber++}`;
    const body = await createBody(env, { tenantCode });
    const t = performance.now();
    const res = await createTenantRequest(env, body);
    if (res.status !== 202) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
    responseMs.push(performance.now() - t);
    sequentialCodes.push(tenantCode);
    const done = await waitActive(env, [tenantCode]);
    times.push(done.get(tenantCode)! - t);
  }
  return times;
}

/** n tenants requested at once; returns the wall time until all are active. */
async function measureBurst(env: ProvisioningEnv, n: number): Promise<number> {
  const tenantCodes = Array.from({ length: n }, () => `k${nextTenantNumber++}`);
  lastBurst = tenantCodes;
  const bodies = await Promise.all(tenantCodes.map((tenantCode) => createBody(env, { tenantCode })));
  const t = performance.now();
  const results = await Promise.all(bodies.map((body) => createTenantRequest(env, body)));
  for (const r of results) if (r.status !== 202) throw new Error(`create failed: ${r.status} ${JSON.stringify(r.body)}`);
  const done = await waitActive(env, tenantCodes);
  return Math.max(...done.values()) - t;
}

const retried: string[] = [];
let lastBurst: string[] = [];

/** BENCH_DEBUG=1: when each tenant of the last burst was registered, picked up and finished. */
async function debugBurst(env: ProvisioningEnv, label: string): Promise<void> {
  if (!process.env.BENCH_DEBUG) return;
  const [rows] = await env.cp.db.query<RowDataPacket[]>(
    `SELECT t.tenant_id, t.created_at, MIN(s.started_at) AS started, p.completed_at,
            GROUP_CONCAT(CONCAT(s.step_name, '=', s.duration_ms) ORDER BY s.step_order) AS steps
       FROM tenants t JOIN tenant_init_steps s ON s.tenant_id = t.tenant_id JOIN tenant_init_progress p ON p.tenant_id = t.tenant_id
      WHERE t.tenant_id IN (?) GROUP BY t.tenant_id ORDER BY t.created_at`,
    [lastBurst],
  );
  const t0 = (rows[0]!.created_at as Date).getTime();
  console.log(`-- ${label}`);
  for (const r of rows) {
    console.log(r.tenant_id, (r.created_at as Date).getTime() - t0, (r.started as Date).getTime() - t0, (r.completed_at as Date).getTime() - t0, r.steps);
  }
}

/** Retried step attempts a worker logged (a retry adds its backoff to the measurement). */
function collectRetries(workers: Worker[]): void {
  for (const w of workers) {
    for (const line of w.output.join('').split('\n')) if (line.includes('retrying with backoff')) retried.push(line.slice(0, 400));
  }
}

async function startWorkers(env: ProvisioningEnv, n: number): Promise<Worker[]> {
  const workers = Array.from({ length: n }, () =>
    env.startWorker({
      LOG_LEVEL: 'info',
      PROVISIONER_CONCURRENCY: '1',
      ...(process.env.BENCH_CLONE_CONNECTIONS ? { PROVISIONER_CLONE_CONNECTIONS: process.env.BENCH_CLONE_CONNECTIONS } : {}), PROVISIONER_LOCK_MS: '30000', PROVISIONER_STALLED_INTERVAL_MS: '15000' }),
  );
  // Every worker process has loaded and connected before anything is measured.
  await Promise.all(workers.map((w) => w.waitFor(/provisioner started/, 60_000)));
  // Warm-up: a few tenants per worker (template snapshot cache, pools, JIT).
  await measureBurst(env, 3 * n);
  return workers;
}

async function main(): Promise<void> {
  const env = await startProvisioningEnv('benchprov', { BCRYPT_COST, LOG_LEVEL: 'silent' });
  try {
    const [[{ n: tableCount }]] = (await env.cp.db.query<RowDataPacket[]>(
      'SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?',
      [env.cp.config.TEMPLATE_DB_NAME],
    )) as unknown as [[{ n: number }]];
    console.log(`template: ${tableCount} tables; floor x${FLOOR_RUNS}, sequential x${SEQUENTIAL}, bursts of ${BURST}`);

    const floor = await measureFloor(env.cp.config.TEMPLATE_DB_NAME, env.dbPrefix);
    const floorMedian = median(floor);
    const rawRate = 60_000 / floorMedian;

    let workers = await startWorkers(env, 1);
    const seq = await measureSequential(env, SEQUENTIAL);
    const burst1 = await measureBurst(env, BURST);
    await debugBurst(env, 'burst, 1 worker');
    await Promise.all(workers.map((w) => w.stop()));
    collectRetries(workers);

    workers = await startWorkers(env, 2);
    const burst2 = await measureBurst(env, BURST);
    await debugBurst(env, 'burst, 2 workers');
    await Promise.all(workers.map((w) => w.stop()));
    collectRetries(workers);
    if (retried.length) console.log(`${retried.length} step attempt(s) were retried, e.g.:\n${retried.slice(0, 3).join('\n')}`);

    // Where the end-to-end time goes: median duration of each step over every tenant of the run.
    const [stepRows] = await env.cp.db.query<RowDataPacket[]>(
      'SELECT step_name, step_order, duration_ms FROM tenant_init_steps WHERE duration_ms IS NOT NULL ORDER BY step_order',
    );
    const perStep: Record<string, number> = {};
    for (const name of [...new Set(stepRows.map((r) => String(r.step_name)))]) {
      perStep[name] = median(stepRows.filter((r) => r.step_name === name).map((r) => Number(r.duration_ms)));
    }
    const [pickup] = await env.cp.db.query<RowDataPacket[]>(
      `SELECT TIMESTAMPDIFF(MICROSECOND, t.created_at, s.started_at) / 1000 AS ms
         FROM tenants t JOIN tenant_init_steps s ON s.tenant_id = t.tenant_id AND s.step_order = 1
        WHERE t.tenant_id IN (?)`,
      [sequentialCodes],
    );
    const pickupMs = median(pickup.map((r) => Number(r.ms)));
    console.log('median ms per step:', perStep);
    console.log(`one at a time: 202 answered after ${round(median(responseMs))} ms (median); tenant row to first step ${round(pickupMs)} ms`);
    const rate1 = (BURST * 60_000) / burst1;
    const rate2 = (BURST * 60_000) / burst2;
    const result = {
      at: new Date().toISOString(),
      machine: { cpus: os.cpus().length, loadavg: os.loadavg().map((l) => round(l, 2)) },
      template: { tables: Number(tableCount) },
      bcryptCost: Number(BCRYPT_COST),
      stepMedianMs: perStep,
      requestMedianMs: round(median(responseMs)),
      retriedStepAttempts: retried.length,
      insertToFirstStepMedianMs: round(pickupMs),
      floor: { runs: floor.length, medianMs: round(floorMedian), p95Ms: round(percentile(floor, 95)), rawRatePerMin: round(rawRate) },
      endToEnd: {
        runs: seq.length,
        medianMs: round(median(seq)),
        p95Ms: round(percentile(seq, 95)),
        ratioToFloor: round(median(seq) / floorMedian, 2),
        target: '<= 1.5',
      },
      throughput: {
        oneWorker: { tenants: BURST, ms: round(burst1), perMin: round(rate1), ofRawRate: round(rate1 / rawRate, 2) },
        twoWorkers: { tenants: BURST, ms: round(burst2), perMin: round(rate2), ofRawRate: round(rate2 / rawRate, 2), target: '>= 0.8' },
      },
    };
    console.table({
      'raw clone floor': { median_ms: result.floor.medianMs, p95_ms: result.floor.p95Ms, x_floor: 1, tenants_per_min: result.floor.rawRatePerMin, of_raw_rate: 1 },
      'end to end (1 at a time)': {
        median_ms: result.endToEnd.medianMs,
        p95_ms: result.endToEnd.p95Ms,
        x_floor: result.endToEnd.ratioToFloor,
        tenants_per_min: round(60_000 / median(seq)),
        of_raw_rate: round(60_000 / median(seq) / rawRate, 2),
      },
      [`burst of ${BURST}, 1 worker`]: { median_ms: '', p95_ms: '', x_floor: '', tenants_per_min: result.throughput.oneWorker.perMin, of_raw_rate: result.throughput.oneWorker.ofRawRate },
      [`burst of ${BURST}, 2 workers`]: { median_ms: '', p95_ms: '', x_floor: '', tenants_per_min: result.throughput.twoWorkers.perMin, of_raw_rate: result.throughput.twoWorkers.ofRawRate },
    });
    console.log(
      `targets: median <= 1.5x floor: ${result.endToEnd.ratioToFloor <= 1.5 ? 'met' : 'NOT met'} (${result.endToEnd.ratioToFloor}x); ` +
        `2 workers >= 80% of raw clone rate: ${result.throughput.twoWorkers.ofRawRate >= 0.8 ? 'met' : 'NOT met'} (${Math.round(result.throughput.twoWorkers.ofRawRate * 100)}%)`,
    );
    const outDir = path.join(__dirname, 'results');
    fs.mkdirSync(outDir, { recursive: true });
    fs.writeFileSync(path.join(outDir, 'provisioning.json'), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await env.close();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
