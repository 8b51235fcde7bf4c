import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { connect, quoteId, Redis, tenantStatusChannel, type MysqlTarget, type ResultSetHeader, type RowDataPacket } from '@kg/shared';
import { testMysqlTarget } from '@kg/shared/testing';
import { createActiveTenant, startLifecycleWorld, type LifecycleWorld } from '../../control-plane/test/helpers/lifecycle-fixture';
import { moveTenant } from '../src/modules/move/move.service';
import { startSecondServer } from './helpers/second-server';
import { startProvisioner } from './helpers/worker-context';

/** CHECKSUM TABLE and row count of every base table of a database on `target` (null: no such database). */
async function contents(target: MysqlTarget, database: string): Promise<Record<string, string> | null> {
  const conn = await connect(target);
  try {
    const [tables] = await conn.query<RowDataPacket[]>(
      "SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
      [database],
    );
    if (!tables.length) return null;
    const out: Record<string, string> = {};
    for (const { t } of tables) {
      const name = `${quoteId(database)}.${quoteId(String(t))}`;
      const [[sum]] = await conn.query<RowDataPacket[]>(`CHECKSUM TABLE ${name}`);
      const [[n]] = await conn.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${name}`);
      out[String(t)] = `${n!.n} rows, checksum ${sum!.Checksum}`;
    }
    return out;
  } finally {
    await conn.end();
  }
}

describe('npm run tenant:move (a tenant database to another server, resumable)', function () {
  this.timeout(180_000);
  let second: Awaited<ReturnType<typeof startSecondServer>>;
  let w: LifecycleWorld;
  let p: Awaited<ReturnType<typeof startProvisioner>>;
  let secondId: number;
  let localId: number;

  before(async function () {
    second = await startSecondServer();
    if (!second) {
      console.warn('      skipped: mariadbd / mariadb-install-db not installed, cannot start a second database server');
      this.skip();
    }
    w = await startLifecycleWorld('move');
    p = await startProvisioner({ ...w.provisionerEnv }, { workers: false });
    const [[local]] = await w.cp.db.query<RowDataPacket[]>('SELECT id FROM database_servers ORDER BY id LIMIT 1');
    localId = Number(local!.id);
    const [res] = await w.cp.db.query<ResultSetHeader>(
      `INSERT INTO database_servers (name, host, port, username, secret_ref, capacity, status)
       VALUES ('second', '127.0.0.1', ?, 'root', NULL, 2, 'active')`,
      [second!.target.port],
    );
    secondId = res.insertId;
  });
  after(async () => {
    await p?.close();
    await w?.close();
    await second?.stop();
  });

  const tenantRow = async (code: string) =>
    (await w.cp.db.query<RowDataPacket[]>('SELECT status, db_server_id FROM tenants WHERE tenant_id = ?', [code]))[0][0]!;

  it('when a move is killed after the copy and run again, then it resumes, and the tenant ends active on the new server with the same rows and the old copy gone', async () => {
    const t = await createActiveTenant(w, 'k601');
    const rows = Array.from({ length: 2000 }, (_, i) => [1 + (i % 2), `Child ${i} (it's "quoted") 汉字`]);
    await connect(testMysqlTarget()).then(async (c) => {
      await c.query(`INSERT INTO ${quoteId(t.databaseName)}.students (class_id, name) VALUES ?`, [rows]);
      await c.end();
    });
    const before = await contents(testMysqlTarget(), t.databaseName);

    // The first run dies right after the verified copy, before the switch (as a SIGKILL would).
    await assert.rejects(
      moveTenant(p.ctx, t.code, {
        toServerId: secondId,
        actor: 'test',
        onPhase: (phase) => {
          if (phase === 'copied') throw new Error('killed');
        },
      }),
      /killed/,
    );
    assert.deepEqual({ ...(await tenantRow(t.code)) }, { status: 'suspended', db_server_id: localId }, 'still suspended on the old server');
    assert.ok(fs.existsSync(path.join(p.ctx.config.BACKUP_DIR, 'moves', `${t.code}.json`)), 'the journal is kept');
    await assert.rejects(moveTenant(p.ctx, t.code, { toServerId: localId, actor: 'test' }), /unfinished.*--server/);

    const sub = new Redis(w.cp.config.REDIS_URL);
    const announced: string[] = [];
    sub.on('message', (_c, m) => announced.push(JSON.parse(m).tenantCode === t.code ? JSON.parse(m).status : ''));
    await sub.subscribe(tenantStatusChannel(w.cp.config.REDIS_KEY_PREFIX));
    try {
      const r = await moveTenant(p.ctx, t.code, { toServerId: secondId, actor: 'test' });
      assert.equal(r.resumed, true);
      assert.ok(r.downtimeMs > 0);
      await new Promise((res) => setTimeout(res, 100));
    } finally {
      sub.disconnect();
    }
    assert.deepEqual({ ...(await tenantRow(t.code)) }, { status: 'active', db_server_id: secondId });
    assert.deepEqual(announced.filter(Boolean), ['active']);
    assert.deepEqual(await contents(second!.target, t.databaseName), before);
    assert.equal(await contents(testMysqlTarget(), t.databaseName), null, 'the old copy is dropped');
    assert.equal(fs.existsSync(path.join(p.ctx.config.BACKUP_DIR, 'moves', `${t.code}.json`)), false);
    // The tenant's own account moved with its database (the tenant app reaches it only as that account).
    const [[account]] = await w.cp.db.query<RowDataPacket[]>('SELECT db_user FROM tenants WHERE tenant_id = ?', [t.code]);
    assert.ok(account!.db_user, 'the tenant has a database account');
    const accountsOn = async (target: MysqlTarget) => {
      const conn = await connect(target);
      try {
        const [rows] = await conn.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM mysql.user WHERE User = ?', [account!.db_user]);
        return Number(rows[0]!.n);
      } finally {
        await conn.end();
      }
    };
    assert.equal(await accountsOn(second!.target), 1, 'the account exists on the new server');
    assert.equal(await accountsOn(testMysqlTarget()), 0, 'and no longer on the old one');
    const [events] = await w.cp.db.query<RowDataPacket[]>(
      "SELECT details FROM security_events WHERE event_type = 'tenant_database_moved' AND tenant_code = ?",
      [t.code],
    );
    assert.equal(events.length, 1);
  });

  it('when the target is the same server, unknown or full, then the move refuses and the tenant stays active where it was', async () => {
    const t = await createActiveTenant(w, 'k602');
    await assert.rejects(moveTenant(p.ctx, t.code, { toServerId: localId, actor: 'test' }), /already on/);
    await assert.rejects(moveTenant(p.ctx, t.code, { toServerId: 999_999, actor: 'test' }), /does not exist/);
    await w.cp.db.query('UPDATE database_servers SET capacity = 1 WHERE id = ?', [secondId]); // k601 fills it
    try {
      await assert.rejects(moveTenant(p.ctx, t.code, { toServerId: secondId, actor: 'test' }), /full/);
    } finally {
      await w.cp.db.query('UPDATE database_servers SET capacity = 2 WHERE id = ?', [secondId]);
    }
    assert.deepEqual({ ...(await tenantRow(t.code)) }, { status: 'active', db_server_id: localId });
    assert.notEqual(await contents(testMysqlTarget(), t.databaseName), null);
  });
});
