/**
 * Schema rollout benchmark. Target: one ALTER over 500 tenants in under 60 s on 2 cores
 * (docs/decisions.md, Schema rollout).
 *
 *   npx tsx --conditions=development bench/rollout.ts
 *
 * Builds a control DB and the template from templates-db/migrations, clones BENCH_TENANTS tenant
 * databases (default 500) from it, adds one ALTER migration in a temporary copy of the migrations
 * folder, and times the rollout through the real path: queued jobs on the rollout queue run by
 * provisioner workers in this process. Prints a table and writes bench/results/rollout.json.
 *
 * Settings: BENCH_TENANTS (500), BENCH_CONCURRENCY (ROLLOUT_CONCURRENCY, default 8),
 * BENCH_CLONE_CONCURRENCY (4), BENCH_KEEP=1 keeps the databases for the next run (the bench
 * migration is reverted before each run, so re-runs skip the slow clone), MYSQL_* and REDIS_URL.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  connect,
  dropDatabase,
  getRollout,
  loadMigrations,
  migrate,
  parseEnv,
  quoteId,
  repoRoot,
  type RowDataPacket,
} from '@kg/shared';
import { deleteRedisPrefix, randomMasterKey, testMysqlTarget, testRedisUrl } from '@kg/shared/testing';
import { TEMPLATE_MIGRATIONS_DIR, cloneTemplate, snapshotTemplate } from '@kg/templates-db';
import { provisionerEnvSchema } from '../provisioner/src/config';
import { buildContext, closeContext } from '../provisioner/src/internal/build-context';
import { requestRollout } from '../provisioner/src/modules/rollout/enqueue';
import { startWorkers } from '../provisioner/src/start/worker';

const N = Number(process.env.BENCH_TENANTS ?? 500);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const CLONE_CONCURRENCY = Number(process.env.BENCH_CLONE_CONCURRENCY ?? 4);
const KEEP = process.env.BENCH_KEEP === '1';
const CONTROL_DB = 'bench_rollout_cp';
const TEMPLATE_DB = 'bench_rollout_tpl';
const BENCH_COLUMN = 'bench_rollout_note';
const tenantCode = (i: number) => `k${String(i + 1).padStart(4, '0')}`;
const databaseName = (i: number) => `bench_ro_${tenantCode(i)}`;

async function pool<T>(items: T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(size, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

async function main(): Promise<void> {
  const target = testMysqlTarget();
  const root = repoRoot();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kg-bench-rollout-'));
  const migrationsDir = path.join(tmp, 'migrations');
  fs.mkdirSync(migrationsDir);
  const source = loadMigrations(TEMPLATE_MIGRATIONS_DIR);
  if (!source.length) throw new Error(`no migrations in ${TEMPLATE_MIGRATIONS_DIR}`);
  for (const m of source) fs.copyFileSync(path.join(TEMPLATE_MIGRATIONS_DIR, m.file), path.join(migrationsDir, m.file));

  // Control DB and template (rebuilt unless kept from a previous run at the same version).
  const admin = await connect(target);
  if (!KEEP) await dropDatabase(admin, CONTROL_DB);
  await migrate(target, CONTROL_DB, path.join(root, 'control-plane/migrations'));
  await migrate(target, TEMPLATE_DB, migrationsDir);
  const snap = await snapshotTemplate(admin, TEMPLATE_DB);
  const table = snap.tables.some((t) => t.name === 'students') ? 'students' : snap.tables.find((t) => t.name !== 'schema_migrations')!.name;
  const benchVersion = source[source.length - 1]!.version + 1;
  // Revert a kept previous run's bench migration, so this run applies it again.
  await admin.query(`ALTER TABLE ${quoteId(TEMPLATE_DB)}.${quoteId(table)} DROP COLUMN IF EXISTS ${quoteId(BENCH_COLUMN)}`);
  await admin.query(`DELETE FROM ${quoteId(TEMPLATE_DB)}.schema_migrations WHERE version >= ?`, [benchVersion]);

  const cp = await connect(target, CONTROL_DB);
  await cp.query(
    "INSERT IGNORE INTO database_servers (name, host, port, username, secret_ref, capacity) VALUES ('bench', ?, ?, ?, 'env:MYSQL_PASSWORD', 100000)",
    [target.host, target.port, target.user],
  );
  await cp.query("UPDATE schema_rollouts SET status = 'failed' WHERE status IN ('pending','running')");
  const [[server]] = await cp.query<RowDataPacket[]>("SELECT id FROM database_servers WHERE name = 'bench'");

  // Tenants: reuse kept databases at the template's version, clone the rest.
  const setupStart = Date.now();
  const [existing] = await admin.query<RowDataPacket[]>("SELECT SCHEMA_NAME AS s FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'bench\\_ro\\_k%'");
  const have = new Set(existing.map((r) => String(r.s)));
  const indexes = Array.from({ length: N }, (_, i) => i);
  let cloned = 0;
  await pool(indexes, CLONE_CONCURRENCY, async (i) => {
    const name = databaseName(i);
    if (have.has(name)) {
      const c = await connect(target, name);
      try {
        const [[v]] = await c.query<RowDataPacket[]>('SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations WHERE version < ?', [benchVersion]);
        if (Number(v!.v) === snap.version) {
          await c.query(`ALTER TABLE ${quoteId(table)} DROP COLUMN IF EXISTS ${quoteId(BENCH_COLUMN)}`);
          await c.query('DELETE FROM schema_migrations WHERE version >= ?', [benchVersion]);
          return;
        }
      } finally {
        await c.end();
      }
      await dropDatabase(admin, name);
    }
    await cloneTemplate(target, TEMPLATE_DB, name, snap);
    if (++cloned % 50 === 0) process.stderr.write(`  cloned ${cloned}\n`);
  });
  await cp.query('DELETE FROM schema_rollout_tenants');
  await cp.query('UPDATE tenants SET status = \'purged\' WHERE tenant_id NOT IN (?)', [indexes.map(tenantCode)]);
  for (let i = 0; i < N; i += 500) {
    const rows = indexes.slice(i, i + 500).map((j) => [tenantCode(j), `Bench ${tenantCode(j)}`, `${tenantCode(j)}.bench.localhost`, databaseName(j), 'active', Number(server!.id), snap.version]);
    await cp.query(
      `INSERT INTO tenants (tenant_id, name, domain, database_name, status, db_server_id, schema_version) VALUES ?
       ON DUPLICATE KEY UPDATE status = 'active', schema_version = VALUES(schema_version)`,
      [rows],
    );
  }
  const setupSeconds = (Date.now() - setupStart) / 1000;
  process.stderr.write(`setup: ${N} tenants (${cloned} cloned) in ${setupSeconds.toFixed(1)} s\n`);

  // The migration under test: one ALTER.
  fs.writeFileSync(
    path.join(migrationsDir, `${String(benchVersion).padStart(3, '0')}_bench_alter.sql`),
    `ALTER TABLE ${quoteId(table)} ADD COLUMN ${quoteId(BENCH_COLUMN)} VARCHAR(100) NULL;\n`,
  );

  const prefix = `bench:rollout:${process.pid}:`;
  const config = parseEnv(provisionerEnvSchema, {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    MYSQL_HOST: target.host,
    MYSQL_PORT: String(target.port),
    MYSQL_USER: target.user,
    MYSQL_PASSWORD: target.password,
    CONTROL_DB_NAME: CONTROL_DB,
    TEMPLATE_DB_NAME: TEMPLATE_DB,
    MASTER_KEY: randomMasterKey(),
    REDIS_URL: testRedisUrl(),
    REDIS_KEY_PREFIX: prefix,
    TEMPLATE_MIGRATIONS_DIR: migrationsDir,
    ROLLOUT_CONCURRENCY: String(CONCURRENCY),
    PROVISIONER_METRICS_PORT: '0',
    STORAGE_SIGNING_SECRET: 'bench-secret-not-used-0123456789',
  });
  const ctx = await buildContext(config);
  const workers = startWorkers(ctx);
  const started = Date.now();
  const { rolloutId } = await requestRollout(ctx, { canarySize: 0, concurrency: CONCURRENCY, requestedBy: 'bench' });
  let view;
  let lastPrint = 0;
  for (;;) {
    view = (await getRollout(ctx.db, rolloutId, { tenantStatus: ['failed'] }))!;
    if (!['pending', 'running'].includes(view.status)) break;
    if (Date.now() - lastPrint > 2000) {
      lastPrint = Date.now();
      process.stderr.write(`  ${view.progress.completed + view.progress.failed}/${N} (${view.progress.percent}%)\n`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const totalSeconds = (Date.now() - started) / 1000;
  const [durations] = await cp.query<RowDataPacket[]>(
    'SELECT duration_ms FROM schema_rollout_tenants WHERE rollout_id = ? AND duration_ms IS NOT NULL ORDER BY duration_ms',
    [rolloutId],
  );
  const ms = durations.map((d) => Number(d.duration_ms));
  const pct = (p: number) => (ms.length ? ms[Math.min(ms.length - 1, Math.floor((p / 100) * ms.length))]! : 0);
  const [[check]] = await admin.query<RowDataPacket[]>(
    "SELECT COUNT(*) AS n FROM information_schema.COLUMNS WHERE TABLE_SCHEMA LIKE 'bench\\_ro\\_k%' AND TABLE_NAME = ? AND COLUMN_NAME = ?",
    [table, BENCH_COLUMN],
  );

  const result = {
    benchmark: 'schema-rollout',
    at: new Date().toISOString(),
    host: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
    tenants: N,
    concurrency: CONCURRENCY,
    migration: `ALTER TABLE ${table} ADD COLUMN ${BENCH_COLUMN}`,
    templateTables: snap.tables.length,
    rolloutStatus: view.status,
    totalSeconds: Math.round(totalSeconds * 100) / 100,
    tenantsPerSecond: Math.round((N / totalSeconds) * 10) / 10,
    failures: view.progress.failed,
    tenantsWithColumn: Number(check!.n),
    perTenantMs: { p50: pct(50), p95: pct(95), p99: pct(99), max: ms[ms.length - 1] ?? 0 },
    setupSeconds: Math.round(setupSeconds * 10) / 10,
    target: 'under 60 s on 2 cores (docs/decisions.md, Schema rollout)',
  };
  console.table([
    {
      tenants: N,
      concurrency: CONCURRENCY,
      'total s': result.totalSeconds,
      'tenants/s': result.tenantsPerSecond,
      failures: result.failures,
      'p50 ms': result.perTenantMs.p50,
      'p95 ms': result.perTenantMs.p95,
      status: view.status,
    },
  ]);
  const out = path.join(root, 'bench/results/rollout.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  console.log(`written ${path.relative(root, out)}`);

  await Promise.all(workers.map((w) => w.close()));
  await closeContext(ctx);
  await deleteRedisPrefix(prefix);
  if (!KEEP) {
    process.stderr.write('dropping bench databases (BENCH_KEEP=1 keeps them)\n');
    await pool(indexes, 4, async (i) => dropDatabase(admin, databaseName(i)));
    await dropDatabase(admin, TEMPLATE_DB);
    await dropDatabase(admin, CONTROL_DB);
  }
  await cp.end();
  await admin.end();
  fs.rmSync(tmp, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
