/**
 * Target: while 20 sign-ins hash passwords, /api/health p99 stays under 50 ms
 * (docs/decisions.md, Password hashing on worker threads).
 *
 * Starts a control plane in-process (test harness: fresh control DB and Redis prefix) with
 * BCRYPT_COST=12, creates 20 users, fires their 20 sign-ins at once and samples GET /api/health
 * every few milliseconds until they are all done. Prints a table and writes
 * bench/results/login-health.json. A measurement, never a test gate.
 *
 *   npx tsx --conditions=development bench/login-health.ts
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { http } from '@kg/shared/testing';
import { startControlPlane } from '../control-plane/test/helpers/harness';
import { passwordHasher } from '../control-plane/src/internal/password-hasher';

const LOGINS = Number(process.env.BENCH_LOGINS ?? 20);
const BCRYPT_COST = process.env.BENCH_BCRYPT_COST ?? '12';
const SAMPLE_GAP_MS = 5;
const PASSWORD = 'garden2024pass';

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const round = (n: number) => Math.round(n * 10) / 10;

async function main(): Promise<void> {
  const cp = await startControlPlane('benchlogin', { BCRYPT_COST, LOG_LEVEL: 'silent' });
  try {
    // Users share one hash (computed once) so set-up does not take 20 hashes' time.
    const hash = await passwordHasher.hash(PASSWORD, Number(BCRYPT_COST));
    const phones = Array.from({ length: LOGINS }, (_, i) => `139${String(10_000_000 + i).padStart(8, '0')}`);
    for (const phone of phones) {
      await cp.db.query('INSERT INTO global_users (phone, password_hash, real_name) VALUES (?, ?, ?)', [phone, hash, 'bench']);
    }
    // Warm up: JIT, pools, the worker threads, the dummy hash.
    for (let i = 0; i < 20; i++) await http('GET', `${cp.url}/api/health`);
    await Promise.all(phones.slice(0, 2).map((phone) => http('POST', `${cp.url}/api/auth/login`, { body: { phone, password: PASSWORD } })));

    const health: number[] = [];
    const logins: number[] = [];
    let done = false;
    const started = performance.now();
    const loginRun = Promise.all(
      phones.map(async (phone) => {
        const t = performance.now();
        const res = await http('POST', `${cp.url}/api/auth/login`, { body: { phone, password: PASSWORD } });
        if (res.status !== 200) throw new Error(`login answered ${res.status}: ${JSON.stringify(res.body)}`);
        logins.push(performance.now() - t);
      }),
    ).finally(() => {
      done = true;
    });
    while (!done) {
      const t = performance.now();
      const res = await http('GET', `${cp.url}/api/health`);
      if (res.status !== 200) throw new Error(`health answered ${res.status}`);
      health.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, SAMPLE_GAP_MS));
    }
    await loginRun;
    const wallMs = performance.now() - started;

    const result = {
      benchmark: 'login-health',
      at: new Date().toISOString(),
      machine: { cpus: os.availableParallelism(), node: process.version },
      settings: { logins: LOGINS, bcryptCost: Number(BCRYPT_COST), hasherThreads: passwordHasher.size, sampleGapMs: SAMPLE_GAP_MS },
      health: {
        count: health.length,
        p50Ms: round(percentile(health, 50)),
        p95Ms: round(percentile(health, 95)),
        p99Ms: round(percentile(health, 99)),
        maxMs: round(Math.max(...health)),
      },
      login: {
        count: logins.length,
        p50Ms: round(percentile(logins, 50)),
        p99Ms: round(percentile(logins, 99)),
        maxMs: round(Math.max(...logins)),
      },
      wallMs: round(wallMs),
      target: { healthP99Ms: 50, met: percentile(health, 99) < 50 },
    };

    console.log(`\n${LOGINS} concurrent logins at bcrypt cost ${BCRYPT_COST}, ${passwordHasher.size} hashing threads, ${os.availableParallelism()} CPUs`);
    console.table({
      'GET /api/health': { count: result.health.count, p50: result.health.p50Ms, p95: result.health.p95Ms, p99: result.health.p99Ms, max: result.health.maxMs },
      'POST /api/auth/login': { count: result.login.count, p50: result.login.p50Ms, p95: round(percentile(logins, 95)), p99: result.login.p99Ms, max: result.login.maxMs },
    });
    console.log(`all logins done in ${result.wallMs} ms; health p99 target < 50 ms: ${result.target.met ? 'met' : 'NOT met'}\n`);

    const outDir = path.join(__dirname, 'results');
    fs.mkdirSync(outDir, { recursive: true });
    fs.writeFileSync(path.join(outDir, 'login-health.json'), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await cp.close();
    await passwordHasher.close();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
