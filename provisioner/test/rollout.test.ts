import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { connect, quoteId, type RowDataPacket } from '@kg/shared';
import { http, testMysqlTarget } from '@kg/shared/testing';
import {
  createActiveTenant,
  startLifecycleWorld,
  type FixtureTenant,
  type LifecycleWorld,
} from '../../control-plane/test/helpers/lifecycle-fixture';
import { eventually, startProvisioner } from './helpers/worker-context';

async function columns(database: string, table: string): Promise<string[]> {
  const conn = await connect(testMysqlTarget());
  try {
    const [rows] = await conn.query<RowDataPacket[]>(
      'SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
      [database, table],
    );
    return rows.map((r) => String(r.c));
  } finally {
    await conn.end();
  }
}

async function exec(database: string, sql: string): Promise<void> {
  const conn = await connect(testMysqlTarget(), database);
  try {
    await conn.query(sql);
  } finally {
    await conn.end();
  }
}

describe('schema rollout and drift', function () {
  this.timeout(60_000);
  let w: LifecycleWorld;
  let p: Awaited<ReturnType<typeof startProvisioner>>;
  const t: Record<string, FixtureTenant> = {};

  async function rollout(body: Record<string, unknown>) {
    const res = await http('POST', `${w.cp.url}/api/schema/rollouts`, { token: w.tokens.admin, body });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const id = res.body.data.rolloutId as number;
    return eventually(async () => {
      const r = await http('GET', `${w.cp.url}/api/schema/rollouts/${id}`, { token: w.tokens.operator });
      return ['completed', 'completed_with_failures', 'stopped', 'failed'].includes(r.body.data.status) && r.body.data;
    }, 30_000, `rollout ${id} finished`);
  }

  const addMigration = (file: string, sql: string) => fs.writeFileSync(path.join(w.migrationsDir, file), sql);

  before(async () => {
    w = await startLifecycleWorld('rollout', { ROLLOUT_CONCURRENCY: '3' });
    p = await startProvisioner({ ...w.provisionerEnv, ROLLOUT_CONCURRENCY: '3' });
    for (const code of ['k501', 'k502', 'k503', 'k504']) t[code] = await createActiveTenant(w, code);
    t.k505 = await createActiveTenant(w, 'k505', { status: 'suspended' });
    t.k506 = await createActiveTenant(w, 'k506', { status: 'deleted' });
  });
  after(async () => {
    await p?.close();
    await w?.close();
  });

  it('when a migration is rolled out, then the template and every active and suspended tenant get it, with versions recorded', async () => {
    addMigration('002_student_nickname.sql', 'ALTER TABLE students ADD COLUMN nickname VARCHAR(50) NULL;');
    const r = await rollout({});
    assert.equal(r.status, 'completed', JSON.stringify(r));
    assert.equal(r.targetVersion, 2);
    assert.equal(r.totalTenants, 5);
    assert.equal(r.progress.completed, 5);
    assert.equal(r.progress.percent, 100);
    assert.ok((await columns(w.cp.config.TEMPLATE_DB_NAME, 'students')).includes('nickname'), 'template first');
    for (const code of ['k501', 'k502', 'k503', 'k504', 'k505']) {
      assert.ok((await columns(t[code]!.databaseName, 'students')).includes('nickname'), code);
      const tenant = r.tenants.find((x: { tenantCode: string }) => x.tenantCode === code);
      assert.equal(tenant.status, 'completed');
      assert.deepEqual(tenant.applied, [2]);
      assert.equal(tenant.toVersion, 2);
    }
    assert.ok(!(await columns(t.k506!.databaseName, 'students')).includes('nickname'), 'deleted tenant untouched');
    const [rows] = await w.cp.db.query<RowDataPacket[]>("SELECT tenant_id, schema_version FROM tenants WHERE status IN ('active','suspended')");
    for (const row of rows) assert.equal(row.schema_version, 2, row.tenant_id);
    // Rows stay where they were.
    const conn = await connect(testMysqlTarget());
    const [[n]] = await conn.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${quoteId(t.k501!.databaseName)}.students`);
    await conn.end();
    assert.equal(Number(n!.n), 3);
  });

  it('when one tenant fails, then the others are still migrated and the failure is recorded on that tenant only', async () => {
    await exec(t.k502!.databaseName, 'ALTER TABLE students ADD COLUMN guardian VARCHAR(50) NULL');
    addMigration('003_student_guardian.sql', 'ALTER TABLE students ADD COLUMN guardian VARCHAR(50) NULL;');
    const r = await rollout({});
    assert.equal(r.status, 'completed_with_failures');
    assert.equal(r.progress.failed, 1);
    assert.equal(r.progress.completed, 4);
    const failed = r.tenants.filter((x: { status: string }) => x.status === 'failed');
    assert.deepEqual(failed.map((x: { tenantCode: string }) => x.tenantCode), ['k502']);
    assert.match(failed[0].error, /guardian/i);
    for (const code of ['k501', 'k503', 'k504', 'k505']) assert.ok((await columns(t[code]!.databaseName, 'students')).includes('guardian'));
    const [[k502]] = await w.cp.db.query<RowDataPacket[]>("SELECT schema_version FROM tenants WHERE tenant_id = 'k502'");
    assert.equal(k502!.schema_version, 2);
    const only = await http('GET', `${w.cp.url}/api/schema/rollouts/${r.id}?status=failed`, { token: w.tokens.operator });
    assert.equal(only.body.data.tenants.length, 1);
  });

  it('when a column was dropped by hand, then the drift report names it, and version lag shows behind tenants', async () => {
    await exec(t.k503!.databaseName, 'ALTER TABLE classes DROP COLUMN grade');
    const res = await http('GET', `${w.cp.url}/api/schema/drift`, { token: w.tokens.operator });
    assert.equal(res.status, 200);
    const report = res.body.data;
    assert.equal(report.templateVersion, 3);
    const k503 = report.tenants.find((x: { tenantCode: string }) => x.tenantCode === 'k503');
    assert.deepEqual(k503.missingColumns, [{ table: 'classes', column: 'grade' }]);
    assert.equal(k503.versionLag, 0);
    assert.equal(k503.inSync, false);
    const k502 = report.tenants.find((x: { tenantCode: string }) => x.tenantCode === 'k502');
    assert.equal(k502.versionLag, 1);
    assert.deepEqual(k502.missingColumns, []);
    const k504 = report.tenants.find((x: { tenantCode: string }) => x.tenantCode === 'k504');
    assert.equal(k504.inSync, true);
    assert.ok(!report.tenants.some((x: { tenantCode: string }) => x.tenantCode === 'k506'), 'deleted tenants are not checked');
    const drifted = await http('GET', `${w.cp.url}/api/schema/drift?onlyDrifted=true`, { token: w.tokens.operator });
    assert.deepEqual(drifted.body.data.tenants.map((x: { tenantCode: string }) => x.tenantCode).sort(), ['k502', 'k503']);
  });

  it('when a tenant of the canary batch fails, then the rollout stops and the other tenants are not touched', async () => {
    await exec(t.k501!.databaseName, 'ALTER TABLE classes ADD COLUMN room VARCHAR(20) NULL');
    addMigration('004_class_room.sql', 'ALTER TABLE classes ADD COLUMN room VARCHAR(20) NULL;');
    const r = await rollout({ canarySize: 2, concurrency: 2 });
    assert.equal(r.status, 'stopped', JSON.stringify(r));
    const byCode = Object.fromEntries(r.tenants.map((x: { tenantCode: string }) => [x.tenantCode, x]));
    assert.equal(byCode.k501.batch, 'canary');
    assert.equal(byCode.k501.status, 'failed');
    for (const code of ['k503', 'k504', 'k505']) {
      assert.equal(byCode[code].status, 'skipped', code);
      assert.ok(!(await columns(t[code]!.databaseName, 'classes')).includes('room'), `${code} untouched`);
    }
  });

  it('when a rollout is already running, then another is refused with 409; operators cannot start one', async () => {
    const [res] = await w.cp.db.query<import('@kg/shared').ResultSetHeader>("INSERT INTO schema_rollouts (status) VALUES ('running')");
    try {
      const again = await http('POST', `${w.cp.url}/api/schema/rollouts`, { token: w.tokens.superAdmin, body: {} });
      assert.equal(again.status, 409);
    } finally {
      await w.cp.db.query("UPDATE schema_rollouts SET status = 'failed' WHERE id = ?", [res.insertId]);
    }
    const op = await http('POST', `${w.cp.url}/api/schema/rollouts`, { token: w.tokens.operator, body: {} });
    assert.equal(op.status, 403);
    const bad = await http('POST', `${w.cp.url}/api/schema/rollouts`, { token: w.tokens.admin, body: { concurrency: 0 } });
    assert.equal(bad.status, 400);
    assert.equal((await http('GET', `${w.cp.url}/api/schema/rollouts/999999`, { token: w.tokens.operator })).status, 404);
  });
});
