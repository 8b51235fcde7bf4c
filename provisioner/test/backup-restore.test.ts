import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect, quoteId, Redis, repoRoot, tenantStatusChannel, type RowDataPacket } from '@kg/shared';
import { testMysqlTarget } from '@kg/shared/testing';
import { createActiveTenant, startLifecycleWorld, type LifecycleWorld } from '../../control-plane/test/helpers/lifecycle-fixture';
import { removeExpiredBackups, runBackups } from '../src/modules/backup/backup-run.service';
import { runDailyBackup } from '../src/modules/backup/backup.schedule';
import { readRestoreJournal, type RestorePhase } from '../src/modules/backup/restore.journal';
import { restoreTenant } from '../src/modules/backup/restore.service';
import { startProvisioner } from './helpers/worker-context';

type Provisioner = Awaited<ReturnType<typeof startProvisioner>>;

/** CHECKSUM TABLE of every base table: equal maps mean equal contents. */
async function tableChecksums(database: string): Promise<Record<string, string>> {
  const conn = await connect(testMysqlTarget());
  try {
    const [tables] = await conn.query<RowDataPacket[]>(
      "SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
      [database],
    );
    const out: Record<string, string> = {};
    for (const { t } of tables) {
      const [[row]] = await conn.query<RowDataPacket[]>(`CHECKSUM TABLE ${quoteId(database)}.${quoteId(String(t))}`);
      out[String(t)] = String(row!.Checksum);
    }
    return out;
  } finally {
    await conn.end();
  }
}

async function sql(statement: string, params: unknown[] = []): Promise<RowDataPacket[]> {
  const conn = await connect(testMysqlTarget());
  try {
    const [rows] = await conn.query<RowDataPacket[]>(statement, params);
    return rows;
  } finally {
    await conn.end();
  }
}

/** Databases whose names start with `prefix` (a restore's side databases). */
async function databasesLike(prefix: string): Promise<string[]> {
  const rows = await sql('SELECT SCHEMA_NAME AS s FROM information_schema.SCHEMATA WHERE LEFT(SCHEMA_NAME, ?) = ?', [prefix.length, prefix]);
  return rows.map((r) => String(r.s)).sort();
}

/** Runs a restore in a child process that SIGKILLs itself at `killAt` (helpers/restore-child.ts). */
async function restoreKilledAt(env: Record<string, string>, tenantCode: string, killAt: string): Promise<{ signal: string | null; stderr: string }> {
  const root = repoRoot();
  const child = spawn(
    process.execPath,
    ['--conditions=development', '--import', 'tsx', path.join(root, 'provisioner/test/helpers/restore-child.ts'), tenantCode, killAt],
    { cwd: root, env: { ...process.env, ...env, KG_SKIP_DOTENV: '1' }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const signal = await new Promise<string | null>((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
  return { signal, stderr };
}

describe('backups and restore (npm run backup, npm run restore)', function () {
  this.timeout(120_000);
  let w: LifecycleWorld;
  let p: Provisioner;
  const backupDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kg-backups-'));

  before(async () => {
    w = await startLifecycleWorld('backup');
    p = await startProvisioner({ ...w.provisionerEnv, BACKUP_DIR: backupDir, BACKUP_RETENTION_DAYS: '7' }, { workers: false });
  });
  after(async () => {
    await p?.close();
    await w?.close();
    fs.rmSync(backupDir, { recursive: true, force: true });
  });

  const tenantStatus = async (code: string) =>
    String((await w.cp.db.query<RowDataPacket[]>('SELECT status FROM tenants WHERE tenant_id = ?', [code]))[0][0]!.status);

  it('when a backup runs, then the control DB, the template and every tenant DB are dumped, recorded and hashed', async () => {
    const a = await createActiveTenant(w, 'k501');
    const b = await createActiveTenant(w, 'k502', { status: 'suspended' });
    const progress: number[] = [];
    const summary = await runBackups(p.ctx, { backupType: 'manual', concurrency: 2, onProgress: (x) => progress.push(x.done) });
    assert.deepEqual(summary.failed, []);
    assert.equal(summary.total, 4);
    assert.deepEqual(progress.sort(), [1, 2, 3, 4]);
    const [records] = await w.cp.db.query<RowDataPacket[]>(
      "SELECT database_name, tenant_code, file_path, checksum, file_size FROM data_backup_records WHERE status = 'completed' AND backup_type = 'manual'",
    );
    assert.deepEqual(
      records.map((r) => r.database_name).sort(),
      [w.cp.config.CONTROL_DB_NAME, w.cp.config.TEMPLATE_DB_NAME, a.databaseName, b.databaseName].sort(),
    );
    for (const r of records) {
      const bytes = fs.readFileSync(r.file_path);
      assert.equal(crypto.createHash('sha256').update(bytes).digest('hex'), r.checksum);
      assert.equal(bytes.length, Number(r.file_size));
      assert.ok(String(r.file_path).startsWith(backupDir));
    }
  });

  /** A tenant with 300 students, backed up, then damaged; the backed-up checksums and row total. */
  async function backedUpThenDamaged(code: string) {
    const t = await createActiveTenant(w, code);
    const values = Array.from({ length: 300 }, (_, i) => [1 + (i % 2), `Child ${i} (it's; "quoted") \\ ${'汉字'}`]);
    await sql(`INSERT INTO ${quoteId(t.databaseName)}.students (class_id, name) VALUES ?`, [values]);
    await runBackups(p.ctx, { backupType: 'manual', items: [{ tenantCode: t.code, databaseName: t.databaseName, dbServerId: null }] });
    const backedUp = await tableChecksums(t.databaseName);
    let rowsBackedUp = 0;
    for (const table of Object.keys(backedUp)) {
      rowsBackedUp += Number((await sql(`SELECT COUNT(*) AS n FROM ${quoteId(t.databaseName)}.${quoteId(table)}`))[0]!.n);
    }
    assert.ok(rowsBackedUp > 300);

    // An operator mistake after the backup: rows deleted, a table dropped, a stray table added.
    await sql(`DELETE FROM ${quoteId(t.databaseName)}.students WHERE id % 3 = 0`);
    await sql(`UPDATE ${quoteId(t.databaseName)}.classes SET name = 'broken'`);
    await sql(`DROP TABLE ${quoteId(t.databaseName)}.roles`);
    await sql(`CREATE TABLE ${quoteId(t.databaseName)}.stray (id INT)`);
    const damaged = await tableChecksums(t.databaseName);
    assert.notDeepEqual(damaged, backedUp);
    return { t, backedUp, rowsBackedUp, damaged };
  }

  it('when rows are written, backed up, then damaged, then the restore brings back exactly the backed-up rows and reactivates the tenant', async () => {
    const { t, backedUp, rowsBackedUp, damaged } = await backedUpThenDamaged('k503');
    // A side database left by an earlier restore that was killed during its clean-up.
    await sql(`CREATE DATABASE ${quoteId(`${t.databaseName}__prerestore_old1`)}`);

    const sub = new Redis(w.cp.config.REDIS_URL);
    const announced: string[] = [];
    sub.on('message', (_c, m) => announced.push(JSON.parse(m).tenantCode === t.code ? JSON.parse(m).status : ''));
    await sub.subscribe(tenantStatusChannel(w.cp.config.REDIS_KEY_PREFIX));
    const steps: string[] = [];
    const seen: Array<{ phase: RestorePhase; status: string; live: Record<string, string>; side?: Record<string, string> }> = [];
    try {
      const r = await restoreTenant(p.ctx, t.code, {
        actor: 'test',
        onStep: (s) => steps.push(s),
        // What the tenant's own database and status are as each phase is recorded.
        onPhase: async (phase) => {
          const j = readRestoreJournal(backupDir, t.code)!;
          seen.push({
            phase,
            status: await tenantStatus(t.code),
            live: await tableChecksums(t.databaseName),
            side: phase === 'loaded' || phase === 'suspended' ? await tableChecksums(j.sideDatabase) : undefined,
          });
        },
      });
      assert.equal(r.method, 'swap');
      assert.equal(r.checksumVerified, true);
      assert.equal(r.rows, rowsBackedUp, 'rows counted from the backup file');
      assert.ok(r.safetyBackup && fs.existsSync(r.safetyBackup), 'the damaged state was kept');
      assert.ok(r.timeline.loadedAt <= r.timeline.suspendedAt && r.timeline.suspendedAt <= r.timeline.reactivatedAt);
      await new Promise((res) => setTimeout(res, 100));
    } finally {
      sub.disconnect();
    }
    assert.deepEqual(await tableChecksums(t.databaseName), backedUp);
    assert.equal(await tenantStatus(t.code), 'active');
    assert.deepEqual(announced.filter(Boolean), ['suspended', 'active']);

    // The suspended window is only the swap: the backup was loaded and verified in the side
    // database while the tenant was still active and its own database untouched.
    assert.deepEqual(seen.map((x) => x.phase), ['loading', 'loaded', 'suspended', 'swapped', 'reactivated']);
    const [loading, loaded, suspended, swapped, reactivated] = seen;
    assert.equal(loading!.status, 'active');
    assert.equal(loaded!.status, 'active');
    assert.deepEqual(loaded!.live, damaged, 'the tenant database is untouched until the swap');
    assert.deepEqual(loaded!.side, backedUp, 'the side database holds the backup before the suspension');
    assert.equal(suspended!.status, 'suspended');
    assert.deepEqual(suspended!.live, damaged);
    assert.deepEqual(swapped!.live, backedUp);
    assert.equal(swapped!.status, 'suspended');
    assert.equal(reactivated!.status, 'active');
    const at = (prefix: string) => steps.findIndex((s) => s.startsWith(prefix));
    assert.ok(at('loaded and verified') >= 0 && at('loaded and verified') < at('suspended') && at('suspended') < at('swapping'));

    // No side database and no journal are left; the stray leftover was dropped too.
    assert.deepEqual(await databasesLike(`${t.databaseName}__`), []);
    assert.equal(readRestoreJournal(backupDir, t.code), null);
    const [events] = await w.cp.db.query<RowDataPacket[]>(
      "SELECT details FROM security_events WHERE event_type = 'tenant_database_restored' AND tenant_code = ?",
      [t.code],
    );
    assert.equal(events.length, 1);
  });

  for (const killAt of ['phase:loading', 'phase:suspended', 'step:swapped in', 'phase:swapped']) {
    it(`when a restore is killed (SIGKILL) at ${killAt} and run again, then it finishes: the backed-up rows, the tenant active, no side database left`, async function () {
      this.timeout(180_000);
      const code = `k5${10 + ['phase:loading', 'phase:suspended', 'step:swapped in', 'phase:swapped'].indexOf(killAt)}`;
      const { t, backedUp, damaged } = await backedUpThenDamaged(code);
      const killed = await restoreKilledAt({ ...w.provisionerEnv, BACKUP_DIR: backupDir }, t.code, killAt);
      assert.equal(killed.signal, 'SIGKILL', killed.stderr);

      // Never half-swapped: the tenant database is entirely the damaged state or entirely the backup.
      const now = await tableChecksums(t.databaseName);
      const swapped = killAt === 'step:swapped in' || killAt === 'phase:swapped';
      assert.deepEqual(now, swapped ? backedUp : damaged);
      assert.equal(await tenantStatus(t.code), killAt === 'phase:loading' ? 'active' : 'suspended');
      assert.ok(readRestoreJournal(backupDir, t.code), 'the journal survives the kill');

      const r = await restoreTenant(p.ctx, t.code, { actor: 'test' });
      assert.equal(r.resumed, true);
      assert.deepEqual(await tableChecksums(t.databaseName), backedUp);
      assert.equal(await tenantStatus(t.code), 'active');
      assert.deepEqual(await databasesLike(`${t.databaseName}__`), []);
      assert.equal(readRestoreJournal(backupDir, t.code), null);
    });
  }

  it('when the tenant changes status while the backup loads into the side database, then the restore is abandoned before the swap and the tenant database is untouched', async () => {
    const { t, damaged } = await backedUpThenDamaged('k515');
    await assert.rejects(
      restoreTenant(p.ctx, t.code, {
        actor: 'test',
        onPhase: async (phase) => {
          if (phase === 'loading') await w.cp.db.query("UPDATE tenants SET status = 'inactive' WHERE tenant_id = ?", [t.code]);
        },
      }),
      /changed status meanwhile \(inactive\)/,
    );
    assert.deepEqual(await tableChecksums(t.databaseName), damaged);
    assert.equal(await tenantStatus(t.code), 'inactive');
    assert.deepEqual(await databasesLike(`${t.databaseName}__`), []);
    assert.equal(readRestoreJournal(backupDir, t.code), null);
  });

  it('when a trigger is added to the tenant database during the load, then the swap is refused, nothing moves, and the tenant is active again as it was', async () => {
    const { t, damaged } = await backedUpThenDamaged('k516');
    const db = quoteId(t.databaseName);
    await assert.rejects(
      restoreTenant(p.ctx, t.code, {
        actor: 'test',
        onPhase: async (phase) => {
          // RENAME TABLE cannot move a table with a trigger to another database.
          if (phase === 'loaded') await sql(`CREATE TRIGGER ${db}.stray_t BEFORE INSERT ON ${db}.stray FOR EACH ROW SET NEW.id = NEW.id`);
        },
      }),
      /swap was refused.*active again.*Trigger in wrong schema/,
    );
    assert.deepEqual(await tableChecksums(t.databaseName), damaged);
    assert.equal(await tenantStatus(t.code), 'active');
    assert.deepEqual(await databasesLike(`${t.databaseName}__`), []);
    assert.equal(readRestoreJournal(backupDir, t.code), null);
  });

  it('when the tenant database has a trigger, then the restore runs in place (RENAME TABLE cannot move it) and brings back the rows and the trigger', async () => {
    const t = await createActiveTenant(w, 'k520');
    const db = quoteId(t.databaseName);
    await sql(`CREATE TABLE ${db}.audit_trail (student_id BIGINT)`);
    await sql(`CREATE TRIGGER ${db}.students_audit AFTER INSERT ON ${db}.students FOR EACH ROW INSERT INTO audit_trail VALUES (NEW.id)`);
    await sql(`INSERT INTO ${db}.students (class_id, name) VALUES (1, 'A'), (2, 'B')`);
    await runBackups(p.ctx, { backupType: 'manual', items: [{ tenantCode: t.code, databaseName: t.databaseName, dbServerId: null }] });
    const backedUp = await tableChecksums(t.databaseName);
    await sql(`DELETE FROM ${db}.students`);
    const r = await restoreTenant(p.ctx, t.code, { actor: 'test' });
    assert.equal(r.method, 'in_place');
    assert.deepEqual(await tableChecksums(t.databaseName), backedUp);
    assert.equal((await sql('SELECT COUNT(*) AS n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?', [t.databaseName]))[0]!.n, 1);
    assert.equal(await tenantStatus(t.code), 'active');
  });

  it("when the file holds another tenant's database, then the restore refuses before touching anything", async () => {
    const victim = await createActiveTenant(w, 'k504');
    const other = await createActiveTenant(w, 'k505');
    await runBackups(p.ctx, { backupType: 'manual', items: [{ tenantCode: other.code, databaseName: other.databaseName, dbServerId: null }] });
    const [[rec]] = await w.cp.db.query<RowDataPacket[]>('SELECT file_path FROM data_backup_records WHERE tenant_code = ? ORDER BY id DESC LIMIT 1', [other.code]);
    const before = await tableChecksums(victim.databaseName);
    await assert.rejects(restoreTenant(p.ctx, victim.code, { from: String(rec!.file_path), actor: 'test' }), /not .*k504/);
    assert.deepEqual(await tableChecksums(victim.databaseName), before);
    assert.equal(await tenantStatus(victim.code), 'active');
  });

  it('when a dump given with --from creates another database, then the load into the side database stops there and the tenant is untouched', async () => {
    const t = await createActiveTenant(w, 'k507');
    await runBackups(p.ctx, { backupType: 'manual', items: [{ tenantCode: t.code, databaseName: t.databaseName, dbServerId: null }] });
    const [[rec]] = await w.cp.db.query<RowDataPacket[]>('SELECT file_path FROM data_backup_records WHERE tenant_code = ? ORDER BY id DESC LIMIT 1', [t.code]);
    const zlib = await import('node:zlib');
    const other = `${t.databaseName}_x`;
    const text = zlib.gunzipSync(fs.readFileSync(String(rec!.file_path))).toString();
    const crafted = text.replace(/^(CREATE TABLE `students`)/m, `CREATE DATABASE \`${other}\`;\n$1`);
    assert.notEqual(crafted, text);
    const file = path.join(backupDir, 'crafted.sql.gz');
    fs.writeFileSync(file, zlib.gzipSync(crafted));
    const before = await tableChecksums(t.databaseName);
    await assert.rejects(restoreTenant(p.ctx, t.code, { from: file, actor: 'test' }), /names database/);
    assert.deepEqual(await tableChecksums(t.databaseName), before);
    assert.equal(await tenantStatus(t.code), 'active');
    assert.deepEqual(await databasesLike(`${t.databaseName}_`), [], 'no side database, and the other database was never created');
    assert.equal(readRestoreJournal(backupDir, t.code), null);
  });

  it('when a backup file was altered after it was recorded, then the restore refuses it', async () => {
    const t = await createActiveTenant(w, 'k506');
    await runBackups(p.ctx, { backupType: 'manual', items: [{ tenantCode: t.code, databaseName: t.databaseName, dbServerId: null }] });
    const [[rec]] = await w.cp.db.query<RowDataPacket[]>('SELECT file_path FROM data_backup_records WHERE tenant_code = ? ORDER BY id DESC LIMIT 1', [t.code]);
    const file = String(rec!.file_path);
    const zlib = await import('node:zlib');
    const text = zlib.gunzipSync(fs.readFileSync(file)).toString().replace("'Sunflowers'", "'Hijacked'");
    fs.writeFileSync(file, zlib.gzipSync(text));
    await assert.rejects(restoreTenant(p.ctx, t.code, { actor: 'test' }), /SHA-256/);
    assert.equal(await tenantStatus(t.code), 'active');
  });

  it('when backups are older than the retention, then scheduled and manual ones are removed but the final pre-purge backup stays', async () => {
    const old = path.join(backupDir, 'old-manual.sql.gz');
    const prePurge = path.join(backupDir, 'old-prepurge.sql.gz');
    fs.writeFileSync(old, 'x');
    fs.writeFileSync(prePurge, 'x');
    await w.cp.db.query(
      `INSERT INTO data_backup_records (database_name, backup_type, file_path, status, started_at) VALUES
         ('x1', 'scheduled', ?, 'completed', NOW() - INTERVAL 8 DAY), ('x2', 'pre_purge', ?, 'completed', NOW() - INTERVAL 400 DAY)`,
      [old, prePurge],
    );
    const removed = await removeExpiredBackups(p.ctx);
    assert.equal(removed, 1);
    assert.equal(fs.existsSync(old), false);
    assert.equal(fs.existsSync(prePurge), true);
    const [left] = await w.cp.db.query<RowDataPacket[]>("SELECT database_name FROM data_backup_records WHERE database_name IN ('x1','x2')");
    assert.deepEqual(left.map((r) => r.database_name), ['x2']);
  });

  it('when two replicas fire the daily backup schedule, then one backup run happens', async () => {
    const day = `test-${Date.now()}`;
    const [first, second] = await Promise.all([runDailyBackup(p.ctx, day), runDailyBackup(p.ctx, day)]);
    assert.deepEqual([first, second].sort(), [false, true]);
    const [[n]] = await w.cp.db.query<RowDataPacket[]>("SELECT COUNT(DISTINCT database_name) AS n FROM data_backup_records WHERE backup_type = 'scheduled' AND status = 'completed'");
    assert.ok(Number(n!.n) >= 4);
  });
});
