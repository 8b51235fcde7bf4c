import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import zlib from 'node:zlib';
import { Redis, tenantDbRoleName, tenantStatusChannel, type LocalStorageProvider, type RowDataPacket } from '@kg/shared';
import { http, testMysqlTarget } from '@kg/shared/testing';
import {
  accountExists,
  countRows,
  createActiveTenant,
  listKeys,
  makeDue,
  startLifecycleWorld,
  type LifecycleWorld,
} from '../../control-plane/test/helpers/lifecycle-fixture';
import { backupDatabase } from '../src/modules/cleanup/backup';
import { enqueueDuePurges } from '../src/modules/cleanup/purge-run.job';
import { purgeResource } from '../src/modules/cleanup/purge.service';
import { cleanTempFiles } from '../src/modules/cleanup/temp-cleanup.job';
import { eventually, startProvisioner } from './helpers/worker-context';

type Provisioner = Awaited<ReturnType<typeof startProvisioner>>;

async function cleanupRows(w: LifecycleWorld, code: string): Promise<RowDataPacket[]> {
  const [rows] = await w.cp.db.query<RowDataPacket[]>('SELECT * FROM tenant_resource_cleanup WHERE tenant_code = ? ORDER BY id', [code]);
  return rows;
}

async function tenantStatus(w: LifecycleWorld, code: string): Promise<string> {
  const [[row]] = await w.cp.db.query<RowDataPacket[]>('SELECT status FROM tenants WHERE tenant_id = ?', [code]);
  return String(row!.status);
}

async function deleteViaApi(w: LifecycleWorld, code: string) {
  const res = await http('DELETE', `${w.cp.url}/api/tenant/${code}`, { token: w.tokens.admin });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data;
}

describe('purge of deleted tenants (provisioner cleanup jobs)', function () {
  this.timeout(60_000);
  let w: LifecycleWorld;
  let p: Provisioner;
  before(async () => {
    w = await startLifecycleWorld('purge');
    p = await startProvisioner(w.provisionerEnv);
  });
  after(async () => {
    await p?.close();
    await w?.close();
  });

  it('when the purge runs before the due time, then nothing is enqueued or touched', async () => {
    const t = await createActiveTenant(w, 'k401');
    await deleteViaApi(w, t.code);
    const run = await enqueueDuePurges(p.ctx, 'test');
    assert.ok(!run.ids.length || !(await cleanupRows(w, t.code)).some((r) => run.ids.includes(Number(r.id))));
    // Even a job that reaches a row early re-checks the date and leaves it alone.
    for (const r of await cleanupRows(w, t.code)) {
      const outcome = await purgeResource(p.ctx, Number(r.id));
      assert.deepEqual(outcome, { outcome: 'skipped', reason: 'not due yet' });
    }
    assert.equal(await countRows(t.databaseName, 'students'), 3);
    assert.ok((await listKeys(w, t.prefix)).includes(t.files[0]!));
    assert.deepEqual((await cleanupRows(w, t.code)).map((r) => r.status), ['pending', 'pending', 'pending']);
    assert.equal(await tenantStatus(w, t.code), 'deleted');
  });

  it('when the due time has passed and an operator runs the purge, then database and files are gone after a recorded backup, and the tenant is purged', async () => {
    const t = await createActiveTenant(w, 'k402');
    await deleteViaApi(w, t.code);
    await makeDue(w, t.code);
    const sub = new Redis(w.cp.config.REDIS_URL);
    const messages: string[] = [];
    sub.on('message', (_c, m) => messages.push(m));
    await sub.subscribe(tenantStatusChannel(w.cp.config.REDIS_KEY_PREFIX));
    try {
      const run = await http('POST', `${w.cp.url}/api/cleanup/run`, { token: w.tokens.admin });
      assert.equal(run.status, 202, JSON.stringify(run.body));
      await eventually(async () => (await tenantStatus(w, t.code)) === 'purged', 20_000, 'tenant purged');
    } finally {
      sub.disconnect();
    }
    assert.equal(await countRows(t.databaseName, 'students'), null, 'database dropped');
    assert.equal(await accountExists(t.dbUser), false, "the database's own MySQL account dropped with it");
    assert.equal(await accountExists(tenantDbRoleName(t.databaseName)), false, "the database's role dropped with it");
    assert.deepEqual(await listKeys(w, t.prefix), [], 'storage prefix emptied');
    assert.equal(await w.providers.dns.findRecord(t.code, w.cp.config.BASE_DOMAIN), null);

    const rows = await cleanupRows(w, t.code);
    assert.deepEqual(rows.map((r) => r.status), ['completed', 'completed', 'completed']);
    for (const r of rows) assert.ok(r.deletion_started_at && r.deletion_completed_at);

    const [backups] = await w.cp.db.query<RowDataPacket[]>('SELECT * FROM data_backup_records WHERE tenant_code = ?', [t.code]);
    assert.equal(backups.length, 1);
    const b = backups[0]!;
    assert.equal(b.status, 'completed');
    assert.equal(b.backup_type, 'pre_purge');
    assert.equal(b.database_name, t.databaseName);
    assert.ok(fs.existsSync(b.file_path), 'backup file present');
    const bytes = fs.readFileSync(b.file_path);
    assert.equal(Number(b.file_size), bytes.length);
    assert.equal(b.checksum, crypto.createHash('sha256').update(bytes).digest('hex'));
    const sql = zlib.gunzipSync(bytes).toString('utf8');
    assert.match(sql, /CREATE TABLE `students`/);
    assert.match(sql, /Wang Fang/);

    const [[tenant]] = await w.cp.db.query<RowDataPacket[]>('SELECT * FROM tenants WHERE tenant_id = ?', [t.code]);
    assert.ok(tenant!.purged_at, 'tenant row kept with purged_at');
    const [logs] = await w.cp.db.query<RowDataPacket[]>(
      "SELECT action, status FROM tenant_cleanup_logs WHERE tenant_code = ? AND status IN ('started','completed')",
      [t.code],
    );
    for (const action of ['purge_database', 'purge_oss', 'purge_subdomain', 'tenant_purged']) {
      assert.ok(logs.some((l) => l.action === action && l.status === 'completed'), `${action} logged`);
    }
    assert.ok(messages.some((m) => JSON.parse(m).tenantCode === t.code && JSON.parse(m).status === 'purged'));
  });

  it('when a tenant was restored, then a purge after its original due time keeps every row and file', async () => {
    const t = await createActiveTenant(w, 'k403');
    await deleteViaApi(w, t.code);
    const restore = await http('POST', `${w.cp.url}/api/tenants/${t.code}/restore`, { token: w.tokens.admin });
    assert.equal(restore.status, 200);
    // The original due date passes; a job enqueued before the restore still reaches the rows.
    await w.cp.db.query(
      "UPDATE tenant_resource_cleanup SET scheduled_deletion_at = NOW(3) - INTERVAL 1 DAY WHERE tenant_code = ?",
      [t.code],
    );
    const run = await enqueueDuePurges(p.ctx, 'test');
    const ids = (await cleanupRows(w, t.code)).map((r) => Number(r.id));
    assert.ok(!run.ids.some((id) => ids.includes(id)), 'no row of a restored tenant is enqueued');
    await w.cp.db.query("UPDATE tenant_resource_cleanup SET status = 'pending' WHERE tenant_code = ?", [t.code]);
    for (const id of ids) assert.equal((await purgeResource(p.ctx, id)).outcome, 'skipped');
    assert.deepEqual((await cleanupRows(w, t.code)).map((r) => r.status), ['cancelled', 'cancelled', 'cancelled']);
    assert.equal(await tenantStatus(w, t.code), 'active');
    assert.equal(await countRows(t.databaseName, 'students'), 3);
    assert.equal(await countRows(t.databaseName, 'classes'), 2);
    assert.equal(await accountExists(t.dbUser), true, "the database's own MySQL account is kept");
    assert.equal(await accountExists(tenantDbRoleName(t.databaseName)), true, "the database's role is kept");
    const keys = await listKeys(w, t.prefix);
    for (const f of t.files) assert.ok(keys.includes(f));
    assert.ok(await w.providers.dns.findRecord(t.code, w.cp.config.BASE_DOMAIN));
  });

  it('when a resource cannot be purged, then it is retried, marked failed after 3 attempts with a security event, and the tenant is not purged', async () => {
    const [srv] = await w.cp.db.query<import('@kg/shared').ResultSetHeader>(
      "INSERT INTO database_servers (name, host, port, username, secret_ref, capacity, status) VALUES ('unreachable', '127.0.0.1', 1, 'root', NULL, 10, 'active')",
    );
    const t = await createActiveTenant(w, 'k404');
    await w.cp.db.query('UPDATE tenants SET db_server_id = ? WHERE tenant_id = ?', [srv.insertId, t.code]);
    await deleteViaApi(w, t.code);
    await makeDue(w, t.code);
    await enqueueDuePurges(p.ctx, 'test');
    const dbRow = await eventually(
      async () => (await cleanupRows(w, t.code)).find((r) => r.resource_type === 'database' && r.status === 'failed'),
      20_000,
      'database cleanup failed',
    );
    assert.equal(dbRow.retry_count, 3);
    assert.match(String(dbRow.error_message), /ECONNREFUSED|connect/i);
    const [events] = await w.cp.db.query<RowDataPacket[]>(
      "SELECT * FROM security_events WHERE tenant_code = ? AND event_type = 'tenant_purge_failed'",
      [t.code],
    );
    assert.equal(events.length, 1);
    assert.equal(events[0]!.subject_id, String(dbRow.id));
    const [attempts] = await w.cp.db.query<RowDataPacket[]>(
      "SELECT COUNT(*) AS n FROM tenant_cleanup_logs WHERE cleanup_id = ? AND action = 'purge_database' AND status = 'failed'",
      [dbRow.id],
    );
    assert.equal(Number(attempts[0]!.n), 3);
    await eventually(async () => (await cleanupRows(w, t.code)).filter((r) => r.status === 'completed').length === 2, 10_000, 'others done');
    assert.equal(await tenantStatus(w, t.code), 'deleted', 'not purged while a resource failed');
    // The database on the real server is untouched: nothing was dropped without a backup.
    assert.equal(await countRows(t.databaseName, 'students'), 3);
  });

  it('when temp files are older than the retention, then the daily temp cleanup removes only those', async () => {
    const t = await createActiveTenant(w, 'k405');
    const storage = w.providers.storage as LocalStorageProvider;
    const oldKey = `${t.prefix}temp/old-export.csv`;
    await storage.putObject(oldKey, Buffer.from('old'));
    const eightDaysAgo = new Date(Date.now() - 8 * 86_400_000);
    for (const key of [oldKey, `${t.prefix}uploads/images/a.png`, `${t.prefix}temp/.keep`]) {
      fs.utimesSync(storage.filePath(key), eightDaysAgo, eightDaysAgo);
    }
    const result = await cleanTempFiles(p.ctx);
    assert.ok(result.deleted >= 1);
    const keys = await listKeys(w, t.prefix);
    assert.ok(!keys.includes(oldKey), 'old temp file removed');
    assert.ok(keys.includes(`${t.prefix}temp/draft.txt`), 'recent temp file kept');
    assert.ok(keys.includes(`${t.prefix}temp/.keep`), 'temp folder kept');
    assert.ok(keys.includes(`${t.prefix}uploads/images/a.png`), 'old file outside temp/ kept');
  });

  it('when mysqldump is not used, then the backup is a gzip SQL dump written in code that records size and checksum', async () => {
    const t = await createActiveTenant(w, 'k406');
    const b = await backupDatabase(w.cp.db, testMysqlTarget(), t.databaseName, {
      dir: w.backupDir,
      mysqldump: 'none',
      tenantCode: t.code,
      dbServerId: null,
      backupType: 'manual',
    });
    assert.equal(b.tool, 'sql');
    const bytes = fs.readFileSync(b.filePath);
    assert.equal(b.size, bytes.length);
    assert.equal(b.sha256, crypto.createHash('sha256').update(bytes).digest('hex'));
    const sql = zlib.gunzipSync(bytes).toString('utf8');
    assert.match(sql, /INSERT INTO `students` VALUES/);
    assert.match(sql, /Zhang Min/);
  });
});
