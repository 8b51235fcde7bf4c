import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createLogger, type RowDataPacket } from '@kg/shared';
import { startControlPlane, type TestControlPlane } from './helpers/harness';
import { AuditCheckpointer, checkpointFile, readCheckpoint, writeCheckpoint, type CheckpointPlace } from '../src/modules/audit/audit.checkpoint';
import { recordAudit, verifyAuditChain } from '../src/modules/audit/audit.service';

const REPO_ROOT = path.resolve(__dirname, '../..');
const GENESIS = '0'.repeat(64);

/** Runs `npm run audit:verify`'s script against the control plane's database and checkpoint folder. */
function runVerifyCli(cp: TestControlPlane, dir: string, args: string[] = []): Promise<{ code: number; out: string }> {
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
    AUDIT_CHECKPOINT_DIR: dir,
  };
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=development', '--import', 'tsx', 'control-plane/src/cli/verify-audit.ts', ...args],
      { cwd: REPO_ROOT, env, timeout: 30_000 },
      (err, stdout, stderr) => {
        const code = err ? (err as { code?: number }).code : 0;
        resolve({ code: typeof code === 'number' ? code : 1, out: stdout + stderr });
      },
    );
  });
}

describe('audit log: signed checkpoint of the chain head outside the database', () => {
  let cp: TestControlPlane;
  let dir: string;
  let place: CheckpointPlace;

  beforeEach(async () => {
    cp = await startControlPlane('auditcp');
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kg-audit-cp-'));
    place = { dir, database: cp.config.CONTROL_DB_NAME, key: cp.ctx.secrets.auditCheckpointKey };
    for (let i = 0; i < 8; i++) await recordAudit(cp.ctx, { actorType: 'system', action: 'test.event', targetId: String(i) });
  });
  afterEach(async () => {
    await cp?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  async function checkpointAt(): Promise<number> {
    const read = await readCheckpoint(place);
    assert.equal(read.status, 'ok');
    return read.status === 'ok' ? read.checkpoint.lastId : -1;
  }

  it('when the checkpointer runs, then it writes the head at start, on its interval and on stop, signed, readable by its owner only', async () => {
    const checkpointer = new AuditCheckpointer(cp.db, place, createLogger('test', 'silent'));
    await checkpointer.start(100);
    assert.equal(await checkpointAt(), 8);
    assert.equal((await fs.stat(checkpointFile(place))).mode & 0o077, 0);
    await recordAudit(cp.ctx, { actorType: 'system', action: 'test.event' });
    const until = Date.now() + 2000;
    while (Date.now() < until && (await checkpointAt()) !== 9) await new Promise((r) => setTimeout(r, 20));
    assert.equal(await checkpointAt(), 9, 'written again on the interval');
    await recordAudit(cp.ctx, { actorType: 'system', action: 'test.event' });
    await checkpointer.stop();
    assert.equal(await checkpointAt(), 10, 'written on stop');
    const res = await runVerifyCli(cp, dir, ['--require-checkpoint']);
    assert.equal(res.code, 0, res.out);
    assert.match(res.out, /intact: 10 row\(s\) verified, checkpoint of .* \(id 10\) matches/);
  });

  it('when audit_logs is truncated and the head reset, then audit:verify reports the removed rows (exit 1) and the checkpoint is kept', async () => {
    assert.equal((await writeCheckpoint(cp.db, place)).written, true);
    await cp.db.query('TRUNCATE TABLE audit_logs');
    await cp.db.query('UPDATE audit_chain_head SET last_id = 0, last_hash = ? WHERE id = 1', [GENESIS]);
    // Without the checkpoint the emptied log is consistent in itself.
    assert.deepEqual(await verifyAuditChain(cp.db, cp.ctx.secrets.auditKey), { ok: true, checked: 0 });
    const read = await readCheckpoint(place);
    assert.ok(read.status === 'ok');
    const result = await verifyAuditChain(cp.db, cp.ctx.secrets.auditKey, read.checkpoint);
    assert.equal(result.ok, false);
    assert.equal(result.firstBadId, 1);
    assert.match(result.reason!, /rows 1\.\.8 were removed and the head rewound/);
    const cli = await runVerifyCli(cp, dir);
    assert.equal(cli.code, 1, cli.out);
    assert.match(cli.out, /first bad id: 1/);
    // The writer refuses to cover the evidence with the rewound head.
    const outcome = await writeCheckpoint(cp.db, place);
    assert.equal(outcome.written, false);
    assert.equal(await checkpointAt(), 8);
  });

  it('when the tail is deleted behind the triggers and the head rewound, then it is detected, also after the chain grew past the checkpoint again', async () => {
    assert.equal((await writeCheckpoint(cp.db, place)).written, true);
    await cp.db.query('DROP TRIGGER trg_audit_logs_no_delete');
    await cp.db.query('DELETE FROM audit_logs WHERE id > 5');
    const [[row5]] = await cp.db.query<RowDataPacket[]>('SELECT hash FROM audit_logs WHERE id = 5');
    await cp.db.query('UPDATE audit_chain_head SET last_id = 5, last_hash = ? WHERE id = 1', [row5!.hash]);
    assert.deepEqual(await verifyAuditChain(cp.db, cp.ctx.secrets.auditKey), { ok: true, checked: 5 });

    const cli = await runVerifyCli(cp, dir);
    assert.equal(cli.code, 1, cli.out);
    assert.match(cli.out, /rows 6\.\.8 were removed and the head rewound/);

    // New rows push the head past the checkpoint: row 8 now exists with another hash.
    for (let i = 0; i < 4; i++) await recordAudit(cp.ctx, { actorType: 'system', action: 'test.after' });
    const again = await runVerifyCli(cp, dir);
    assert.equal(again.code, 1, again.out);
    assert.match(again.out, /first bad id: 8/);
    assert.match(again.out, /rewritten/);
    assert.equal((await writeCheckpoint(cp.db, place)).written, false);
  });

  it('when the checkpoint file is edited or signed with another key, then audit:verify refuses it (exit 1)', async () => {
    await writeCheckpoint(cp.db, place);
    const file = checkpointFile(place);
    const saved = JSON.parse(await fs.readFile(file, 'utf8'));
    await fs.writeFile(file, JSON.stringify({ ...saved, lastId: 3 }));
    const cli = await runVerifyCli(cp, dir);
    assert.equal(cli.code, 1);
    assert.match(cli.out, /NOT VALID: the checkpoint signature does not verify/);
    await fs.rm(file);
    const missing = await runVerifyCli(cp, dir);
    assert.equal(missing.code, 0, 'a missing checkpoint is a warning by default');
    assert.match(missing.out, /no audit checkpoint/);
    assert.equal((await runVerifyCli(cp, dir, ['--require-checkpoint'])).code, 1);
  });
});
