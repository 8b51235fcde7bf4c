/**
 * Issue #14 (docs/operations.md, Backups, Restore, Move a tenant): targets on this machine
 *   1. `npm run backup` of BENCH_TENANTS (500) tenant databases (plus the control DB and the
 *      template) in < 5 min, with the default BACKUP_CONCURRENCY (4);
 *   2. one tenant restored in < 10 s (the whole command: checks, safety backup, load into a side
 *      database, verify, swap, drop the replaced tables), and how long of it the tenant was
 *      suspended;
 *   3. `tenant:move` of a tenant with BENCH_MOVE_ROWS (10,000) rows: downtime (suspended until
 *      reactivated) < 5 s, to a second MariaDB started for the bench.
 *
 * Set-up (test harness): a real control plane in-process over a fresh control DB, the real
 * template (every table), BENCH_TENANTS clones of it registered as active tenants, each with a
 * class and a few students; the restored and moved tenant gets BENCH_MOVE_ROWS students. The
 * provisioner services run in this process with mysqldump and mysql as `npm run backup`,
 * `npm run restore` and `npm run tenant:move` use them. Prints a table and writes
 * bench/results/backup.json. A measurement, never a test gate. Everything it made is dropped.
 *
 *   npx tsx --conditions=development bench/backup.ts
 *   BENCH_BACKUP=restored npx tsx --conditions=development bench/backup.ts
 *
 * BENCH_BACKUP=restored backs up only the tenant that is restored (the restore and the move are
 * still measured with all BENCH_TENANTS databases on the server, in about half the time).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect, parseEnv, quoteId, type ResultSetHeader, type RowDataPacket } from '@kg/shared';
import { testMysqlTarget } from '@kg/shared/testing';
import { buildTemplate, cloneTemplate, snapshotTemplate } from '@kg/templates-db';
import { startControlPlane } from '../control-plane/test/helpers/harness';
import { provisionerEnvSchema } from '../provisioner/src/config';
import { buildContext, closeContext } from '../provisioner/src/internal/build-context';
import { runBackups } from '../provisioner/src/modules/backup/backup-run.service';
import { restoreTenant } from '../provisioner/src/modules/backup/restore.service';
import { moveTenant } from '../provisioner/src/modules/move/move.service';
import { startSecondServer } from '../provisioner/test/helpers/second-server';

const TENANTS = Number(process.env.BENCH_TENANTS ?? 500);
const MOVE_ROWS = Number(process.env.BENCH_MOVE_ROWS ?? 10_000);
const BACKUP_ALL = (process.env.BENCH_BACKUP ?? 'all') !== 'restored';
const CLONE_CONCURRENCY = 4;
const s = (ms: number) => Math.round(ms) / 1000;

async function inBatches<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

async function main() {
  const target = testMysqlTarget();
  const backupDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kg-bench-backup-'));
  const cp = await startControlPlane('benchbk', { LOG_LEVEL: 'silent' });
  const second = await startSecondServer();
  const codes = Array.from({ length: TENANTS }, (_, i) => `k${900000 + i}`);
  // Unique per run (the shared server may hold other runs' tenant databases).
  const dbName = (code: string) => `${cp.config.CONTROL_DB_NAME.slice(3, 20).replace(/[^a-zA-Z0-9_]/g, '_')}_${code}`;
  const result: Record<string, unknown> = { backedUp: BACKUP_ALL ? 'all' : 'restored tenant only', tenants: TENANTS, moveRows: MOVE_ROWS, cpus: os.cpus().length, loadAverageAtStart: os.loadavg() };
  const provisioner = await Promise.resolve().then(() => buildContext(
    parseEnv(provisionerEnvSchema, {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      MYSQL_HOST: target.host,
      MYSQL_PORT: String(target.port),
      MYSQL_USER: target.user,
      MYSQL_PASSWORD: target.password,
      MASTER_KEY: cp.config.MASTER_KEY,
      CONTROL_DB_NAME: cp.config.CONTROL_DB_NAME,
      TEMPLATE_DB_NAME: cp.config.TEMPLATE_DB_NAME,
      REDIS_URL: cp.config.REDIS_URL,
      REDIS_KEY_PREFIX: cp.config.REDIS_KEY_PREFIX,
      BACKUP_DIR: backupDir,
      PROVISIONER_METRICS_PORT: '0',
    }),
  )).catch(async (err: unknown) => {
    // Nothing below runs: stop what was started so far (the second server is a process of its own).
    await second?.stop();
    await cp.close();
    throw err;
  });
  try {
    // ---- set-up: the real template and TENANTS clones registered as active tenants
    let t0 = performance.now();
    await buildTemplate(target, cp.config.TEMPLATE_DB_NAME, { rebuild: true });
    const root = await connect(target);
    const snapshot = await snapshotTemplate(root, cp.config.TEMPLATE_DB_NAME);
    const [[local]] = await cp.db.query<RowDataPacket[]>("SELECT id FROM database_servers WHERE name = 'local'");
    await cp.db.query('UPDATE database_servers SET capacity = ? WHERE id = ?', [TENANTS + 10, local!.id]);
    await inBatches(codes, CLONE_CONCURRENCY, async (code) => {
      const database = dbName(code);
      await cloneTemplate(target, cp.config.TEMPLATE_DB_NAME, database, snapshot);
      await root.query(`INSERT INTO ${quoteId(database)}.classes (name, grade, academic_year) VALUES ('Sunflowers', 'small', '2025-2026')`);
      await root.query(
        `INSERT INTO ${quoteId(database)}.students (name, gender, birth_date, class_id) VALUES ('Li Wei', 'male', '2021-03-01', 1), ('Wang Fang', 'female', '2021-05-02', 1)`,
      );
      await cp.db.query(
        `INSERT INTO tenants (tenant_id, name, domain, database_name, status, contact_phone, db_server_id, oss_prefix, schema_version)
         VALUES (?, ?, ?, ?, 'active', '13900000000', ?, ?, ?)`,
        [code, `Bench ${code}`, `${code}.${cp.config.BASE_DOMAIN}`, database, local!.id, `bench-${code}/`, snapshot.version],
      );
    });
    result.setupSeconds = s(performance.now() - t0);
    result.templateTables = snapshot.tables.length;
    console.log(`set-up: ${TENANTS} tenant databases of ${snapshot.tables.length} tables in ${result.setupSeconds} s`);

    // ---- the tenant that is restored and moved gets MOVE_ROWS students
    const big = codes[0]!;
    const values = Array.from({ length: MOVE_ROWS }, (_, i) => [`Child ${i}`, i % 2 ? 'male' : 'female', '2021-06-01', 1]);
    for (let i = 0; i < values.length; i += 2000) {
      await root.query(`INSERT INTO ${quoteId(dbName(big))}.students (name, gender, birth_date, class_id) VALUES ?`, [values.slice(i, i + 2000)]);
    }
    await root.end();

    // ---- 1. back up everything
    t0 = performance.now();
    let lastPrint = 0;
    const summary = await runBackups(provisioner, {
      backupType: 'manual',
      items: BACKUP_ALL ? undefined : [{ tenantCode: big, databaseName: dbName(big), dbServerId: null }],
      onProgress: (p) => {
        if (p.done - lastPrint >= 100 || p.done === p.total) {
          lastPrint = p.done;
          console.log(`  backup ${p.done}/${p.total} (${p.failed} failed) ${s(performance.now() - t0)} s`);
        }
      },
    });
    result.backup = {
      databases: summary.total,
      completed: summary.completed,
      failed: summary.failed.length,
      seconds: s(summary.ms),
      megabytes: Math.round(summary.bytes / 1e5) / 10,
      concurrency: provisioner.config.BACKUP_CONCURRENCY,
      targetSeconds: 300,
    };

    // ---- 2. restore the big tenant from its backup
    result.loadAverageBeforeRestore = os.loadavg();
    t0 = performance.now();
    const startedAt = Date.now();
    const restored = await restoreTenant(provisioner, big, { actor: 'bench', onStep: (m) => console.log(`  restore ${s(performance.now() - t0)} s: ${m}`) });
    result.restore = {
      seconds: s(performance.now() - t0),
      method: restored.method,
      // While the tenant serves: checks, safety backup and load into the side database, verification.
      beforeSuspensionSeconds: s(restored.timeline.suspendedAt - startedAt),
      downtimeSeconds: s(restored.downtimeMs),
      rows: restored.rows,
      tables: restored.tables,
      targetSeconds: 10,
    };

    // ---- 3. move it to the second server
    if (second) {
      const [res] = await cp.db.query<ResultSetHeader>(
        `INSERT INTO database_servers (name, host, port, username, secret_ref, capacity, status) VALUES ('bench-second', '127.0.0.1', ?, 'root', NULL, 10, 'active')`,
        [second.target.port],
      );
      t0 = performance.now();
      const moved = await moveTenant(provisioner, big, { toServerId: res.insertId, actor: 'bench' });
      result.move = { seconds: s(performance.now() - t0), downtimeSeconds: s(moved.downtimeMs), rows: moved.rows, tables: moved.tables, targetDowntimeSeconds: 5 };
    } else {
      result.move = { skipped: 'mariadbd / mariadb-install-db not installed' };
    }
    result.loadAverageAtEnd = os.loadavg();
  } finally {
    await closeContext(provisioner);
    const conn = await connect(target);
    for (const code of codes) await conn.query(`DROP DATABASE IF EXISTS ${quoteId(dbName(code))}`);
    await conn.end();
    await cp.close();
    await second?.stop();
    fs.rmSync(backupDir, { recursive: true, force: true });
  }

  console.table({
    backup: { what: BACKUP_ALL ? `${TENANTS + 2} databases` : '1 database (BENCH_BACKUP=restored)', seconds: (result.backup as { seconds: number }).seconds, target: '< 300 s' },
    restore: { what: `1 tenant, ${(result.restore as { rows: number }).rows} rows`, seconds: (result.restore as { seconds: number }).seconds, target: '< 10 s' },
    'restore suspended': { what: 'swap and verification', seconds: (result.restore as { downtimeSeconds: number }).downtimeSeconds, target: '' },
    move: { what: `downtime, ${MOVE_ROWS}+ rows`, seconds: (result.move as { downtimeSeconds?: number }).downtimeSeconds, target: '< 5 s' },
  });
  const out = path.join(__dirname, 'results', BACKUP_ALL ? 'backup.json' : 'backup-restore-only.json');
  fs.writeFileSync(out, `${JSON.stringify({ at: new Date().toISOString(), ...result }, null, 2)}\n`);
  console.log(`written ${out}`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
