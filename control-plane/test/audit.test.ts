import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import type { RowDataPacket } from '@kg/shared';
import { http } from '@kg/shared/testing';
import { startControlPlane, type TestControlPlane } from './helpers/harness';
import { roleTokens, type RoleTokens } from './helpers/operator-fixtures';
import { recordAudit, verifyAuditChain, type AuditEntry } from '../src/modules/audit/audit.service';

const REPO_ROOT = path.resolve(__dirname, '../..');

function entry(i: number, extra: Partial<AuditEntry> = {}): AuditEntry {
  return {
    actorType: 'admin',
    actorId: '1',
    actorName: 'root-admin',
    action: 'tenant.suspend',
    tenantCode: `k${String(100 + (i % 3))}`,
    targetType: 'tenant',
    targetId: `k${String(100 + (i % 3))}`,
    ip: '10.0.0.1',
    userAgent: 'mocha',
    requestId: `req-${i}`,
    before: { status: 'active', n: i, nested: { b: 2, a: 1 } },
    after: { status: 'suspended', n: i, at: new Date('2024-01-02T03:04:05.678Z') },
    ...extra,
  };
}

/** Runs the audit:verify CLI against a control plane's database; resolves with exit code and output. */
function runVerifyCli(cp: TestControlPlane): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KG_SKIP_DOTENV: '1',
    NODE_ENV: 'test',
    MYSQL_HOST: cp.config.MYSQL_HOST,
    MYSQL_PORT: String(cp.config.MYSQL_PORT),
    MYSQL_USER: cp.config.MYSQL_USER,
    MYSQL_PASSWORD: cp.config.MYSQL_PASSWORD,
    CONTROL_DB_NAME: cp.config.CONTROL_DB_NAME,
    MASTER_KEY: cp.config.MASTER_KEY,
  };
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=development', '--import', 'tsx', 'control-plane/src/cli/verify-audit.ts'],
      { cwd: REPO_ROOT, env, timeout: 30_000 },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: number }).code ?? 1) : 0;
        resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
      },
    );
  });
}

async function appendMany(cp: TestControlPlane, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await recordAudit(cp.ctx, entry(i));
}

describe('audit log: hash chain', () => {
  let cp: TestControlPlane;
  before(async () => {
    cp = await startControlPlane('audit');
  });
  after(async () => {
    await cp?.close();
  });

  it('when 20 appends run concurrently, then ids are dense, every row links to its predecessor and the chain verifies', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => recordAudit(cp.ctx, entry(i))));
    const [rows] = await cp.db.query<RowDataPacket[]>('SELECT id, prev_hash, hash FROM audit_logs ORDER BY id');
    assert.equal(rows.length, 20);
    rows.forEach((r, i) => {
      assert.equal(Number(r.id), i + 1);
      if (i > 0) assert.equal(r.prev_hash, rows[i - 1]!.hash);
    });
    assert.equal(rows[0]!.prev_hash, '0'.repeat(64));
    const [[head]] = await cp.db.query<RowDataPacket[]>('SELECT last_id, last_hash FROM audit_chain_head WHERE id = 1');
    assert.equal(Number(head!.last_id), 20);
    assert.equal(head!.last_hash, rows[19]!.hash);
    assert.deepEqual(await verifyAuditChain(cp.db, cp.ctx.secrets.auditKey), { ok: true, checked: 20 });
  });

  it('when the chain is intact, then the audit:verify CLI exits 0', async () => {
    const res = await runVerifyCli(cp);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /intact: 20 row\(s\) verified/);
  });

  it('when verified with another key, then the first row is reported as modified', async () => {
    const result = await verifyAuditChain(cp.db, Buffer.alloc(32, 7));
    assert.equal(result.ok, false);
    assert.equal(result.firstBadId, 1);
  });

  it('when anyone runs UPDATE or DELETE on audit_logs, then the database refuses it', async () => {
    await assert.rejects(cp.db.query("UPDATE audit_logs SET action = 'x' WHERE id = 3"), /append-only/);
    await assert.rejects(cp.db.query('DELETE FROM audit_logs WHERE id = 3'), /append-only/);
    await assert.rejects(cp.db.query('DELETE FROM audit_logs'), /append-only/);
    const [[count]] = await cp.db.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM audit_logs');
    assert.equal(Number(count!.n), 20);
  });
});

describe('audit log: tampering is detected', () => {
  let cp: TestControlPlane;
  beforeEach(async () => {
    cp = await startControlPlane('audittamper');
    await appendMany(cp, 6);
  });
  afterEach(async () => {
    await cp?.close();
  });

  it('when a row is modified behind the trigger, then verifyAuditChain and the CLI report that row (exit 1)', async () => {
    await cp.db.query('DROP TRIGGER trg_audit_logs_no_update');
    await cp.db.query("UPDATE audit_logs SET after_data = JSON_OBJECT('status', 'active') WHERE id = 4");
    const result = await verifyAuditChain(cp.db, cp.ctx.secrets.auditKey);
    assert.equal(result.ok, false);
    assert.equal(result.firstBadId, 4);
    assert.equal(result.checked, 3);
    assert.match(result.reason!, /modified/);
    const cli = await runVerifyCli(cp);
    assert.equal(cli.code, 1);
    assert.match(cli.stdout + cli.stderr, /first bad id: 4/);
  });

  it('when a row is modified and its hash rewritten without the key, then that row is still reported', async () => {
    await cp.db.query('DROP TRIGGER trg_audit_logs_no_update');
    await cp.db.query("UPDATE audit_logs SET actor_name = 'someone-else', hash = SHA2('forged', 256) WHERE id = 2");
    const result = await verifyAuditChain(cp.db, cp.ctx.secrets.auditKey);
    assert.equal(result.ok, false);
    assert.equal(result.firstBadId, 2);
  });

  it('when the last row is deleted, then the head mismatch is reported at the missing id', async () => {
    await cp.db.query('DROP TRIGGER trg_audit_logs_no_delete');
    await cp.db.query('DELETE FROM audit_logs WHERE id = 6');
    const result = await verifyAuditChain(cp.db, cp.ctx.secrets.auditKey);
    assert.equal(result.ok, false);
    assert.equal(result.firstBadId, 6);
    assert.equal(result.checked, 5);
    assert.match(result.reason!, /removed/);
    const cli = await runVerifyCli(cp);
    assert.equal(cli.code, 1);
    assert.match(cli.stdout, /first bad id: 6/);
  });

  it('when a row in the middle is deleted, then the gap is reported at the missing id', async () => {
    await cp.db.query('DROP TRIGGER trg_audit_logs_no_delete');
    await cp.db.query('DELETE FROM audit_logs WHERE id = 3');
    const result = await verifyAuditChain(cp.db, cp.ctx.secrets.auditKey);
    assert.equal(result.ok, false);
    assert.equal(result.firstBadId, 3);
    assert.match(result.reason!, /missing|removed/);
  });
});

describe('audit log: GET /api/audit-logs', () => {
  let cp: TestControlPlane;
  let tokens: RoleTokens;
  before(async () => {
    cp = await startControlPlane('auditapi');
    tokens = await roleTokens(cp);
    for (let i = 0; i < 12; i++) {
      await recordAudit(cp.ctx, entry(i, { action: i % 2 ? 'tenant.suspend' : 'tenant.activate', actorName: i < 4 ? 'alice' : 'bob' }));
    }
  });
  after(async () => {
    await cp?.close();
  });

  it('when an operator pages through the log, then rows come newest first with before/after as JSON', async () => {
    const res = await http('GET', `${cp.url}/api/audit-logs?page=1&pageSize=5`, { token: tokens.operator });
    assert.equal(res.status, 200);
    assert.equal(res.body.data.total, 12);
    assert.equal(res.body.data.items.length, 5);
    assert.equal(res.body.data.items[0].id, 12);
    const item = res.body.data.items[0];
    assert.equal(item.before.nested.a, 1);
    assert.equal(item.after.at, '2024-01-02T03:04:05.678Z');
    assert.equal(item.ip, '10.0.0.1');
    const page3 = await http('GET', `${cp.url}/api/audit-logs?page=3&pageSize=5`, { token: tokens.operator });
    assert.deepEqual(
      page3.body.data.items.map((i: { id: number }) => i.id),
      [2, 1],
    );
  });

  it('when filtered by tenant, action and actor, then only matching rows are listed', async () => {
    const res = await http('GET', `${cp.url}/api/audit-logs?tenantCode=k100&action=tenant.activate&actor=alice`, {
      token: tokens.operator,
    });
    assert.equal(res.status, 200);
    for (const item of res.body.data.items) {
      assert.equal(item.tenantCode, 'k100');
      assert.equal(item.action, 'tenant.activate');
      assert.equal(item.actorName, 'alice');
    }
    // i in 0..3 (alice), even (activate), i % 3 == 0 (k100): i = 0 only
    assert.equal(res.body.data.total, 1);
    const prefix = await http('GET', `${cp.url}/api/audit-logs?action=tenant.*&pageSize=100`, { token: tokens.operator });
    assert.equal(prefix.body.data.total, 12);
  });

  it('when the page size is out of range, then 400 names the field', async () => {
    const res = await http('GET', `${cp.url}/api/audit-logs?pageSize=1000`, { token: tokens.operator });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'VALIDATION_ERROR');
    assert.equal(res.body.error.details[0].field, 'pageSize');
  });

  it('when called with a user token or none, then 401; an operator may not verify the chain but an admin may', async () => {
    assert.equal((await http('GET', `${cp.url}/api/audit-logs`, { token: tokens.user })).status, 401);
    assert.equal((await http('GET', `${cp.url}/api/audit-logs`)).status, 401);
    assert.equal((await http('GET', `${cp.url}/api/audit-logs/verify`, { token: tokens.operator })).status, 403);
    const verify = await http('GET', `${cp.url}/api/audit-logs/verify`, { token: tokens.admin });
    assert.equal(verify.status, 200);
    assert.deepEqual(verify.body.data, { ok: true, checked: 12 });
  });
});
