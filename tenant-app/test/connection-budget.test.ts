import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { connect, type RowDataPacket } from '@kg/shared';
import { dropDatabases, testMysqlTarget, uniqueId } from '@kg/shared/testing';
import { ConnectionBudget, dbServer, type DbServer } from '../src/internal/db/connection-budget';
import { TenantDb } from '../src/internal/db/tenant-db';

/**
 * The connection budget on its own, against real MariaDB: two "servers" (two MySQL accounts on
 * the same host), a handful of databases, far more concurrent work than connections.
 */
describe('tenant app: connection budget', function () {
  this.timeout(60_000);
  const target = testMysqlTarget();
  const id = uniqueId('budget').replace(/[^a-z0-9_]/g, '');
  const users = [`tb_${crypto.randomBytes(4).toString('hex')}`, `tb_${crypto.randomBytes(4).toString('hex')}`];
  const password = crypto.randomBytes(10).toString('hex');
  const dbs = Array.from({ length: 12 }, (_, i) => `${id}_d${i}`);
  let servers: DbServer[];

  before(async () => {
    const root = await connect(target);
    try {
      for (const u of users) {
        await root.query(`CREATE USER '${u}'@'%' IDENTIFIED BY ?`, [password]);
        await root.query(`GRANT ALL PRIVILEGES ON \`${id}\\_%\`.* TO '${u}'@'%'`);
      }
      for (const [i, db] of dbs.entries()) {
        await root.query(`CREATE DATABASE \`${db}\``);
        await root.query(`CREATE TABLE \`${db}\`.marker (id INT PRIMARY KEY, name VARCHAR(50))`);
        await root.query(`INSERT INTO \`${db}\`.marker VALUES (1, ?)`, [`db-${i}`]);
      }
    } finally {
      await root.end();
    }
    servers = users.map((u) => dbServer({ host: target.host, port: target.port, user: u, password }));
  });

  after(async () => {
    await dropDatabases(dbs);
    const root = await connect(target);
    for (const u of users) await root.query(`DROP USER IF EXISTS '${u}'@'%'`).catch(() => undefined);
    await root.end();
  });

  async function serverSideCount(): Promise<number> {
    const root = await connect(target);
    try {
      const [rows] = await root.query<RowDataPacket[]>(
        // A thread still executing COM_QUIT is one the budget has already closed: the server lists
        // it until its clean-up ends, which takes longer on a loaded machine.
        `SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER IN (?, ?) AND COMMAND <> 'Quit'`,
        users,
      );
      return Number(rows[0]!.n);
    } finally {
      await root.end();
    }
  }

  it('when 400 queries over 12 databases on 2 servers run at once, then at most the budget is ever open and each answer comes from its database', async () => {
    const budget = new ConnectionBudget({ budget: 3, idleTimeoutMs: 60_000, acquireTimeoutMs: 20_000 });
    let maxSeen = 0;
    const sampler = setInterval(() => {
      void serverSideCount().then((n) => (maxSeen = Math.max(maxSeen, n)));
    }, 20);
    try {
      const results = await Promise.all(
        Array.from({ length: 400 }, async (_, i) => {
          const d = i % dbs.length;
          const db = new TenantDb(`k${d}`, dbs[d]!, servers[d % 2]!, budget);
          const rows = await db.rows(`SELECT name, SLEEP(0.002) AS s FROM ${db.t('marker')} WHERE id = 1`);
          return { d, name: rows[0]!.name };
        }),
      );
      for (const r of results) assert.equal(r.name, `db-${r.d}`);
      const s = budget.stats();
      assert.ok(s.peakOpen <= 3, `peak ${s.peakOpen}`);
      assert.ok(s.created > 3, 'connections were closed and reopened to move budget between the two servers');
      assert.equal(s.busy, 0);
      assert.equal(s.waiting, 0);
    } finally {
      clearInterval(sampler);
      await budget.close();
    }
    assert.ok(maxSeen <= 3, `MariaDB saw ${maxSeen} connections`);
  });

  it('when one server keeps every connection busy, then a request for another server is still served promptly', async () => {
    const budget = new ConnectionBudget({ budget: 2, idleTimeoutMs: 60_000, acquireTimeoutMs: 5_000 });
    let stop = false;
    try {
      const busy = new TenantDb('k0', dbs[0]!, servers[0]!, budget);
      const workers = Array.from({ length: 10 }, async () => {
        while (!stop) await busy.rows(`SELECT SLEEP(0.005) FROM ${busy.t('marker')}`);
      });
      await new Promise((r) => setTimeout(r, 100));
      const other = new TenantDb('k1', dbs[1]!, servers[1]!, budget);
      const started = Date.now();
      const rows = await other.rows(`SELECT name FROM ${other.t('marker')}`);
      const waited = Date.now() - started;
      stop = true;
      await Promise.all(workers);
      assert.equal(rows[0]!.name, 'db-1');
      assert.ok(waited < 1000, `waited ${waited} ms`);
      assert.ok(budget.stats().peakOpen <= 2);
    } finally {
      stop = true;
      await budget.close();
    }
  });

  it('when a statement names another database or changes the session, then it is refused before reaching MySQL', async () => {
    const budget = new ConnectionBudget({ budget: 1, idleTimeoutMs: 60_000, acquireTimeoutMs: 5_000 });
    try {
      const db = new TenantDb('k0', dbs[0]!, servers[0]!, budget);
      await assert.rejects(db.rows(`SELECT * FROM \`${dbs[1]}\`.\`marker\``), /references another database/);
      await assert.rejects(db.exec(`USE \`${dbs[1]}\``), /Session-changing/);
      // One statement per text, in the app and in a transaction (values travel as placeholders).
      await assert.rejects(db.rows(`SELECT 1 FROM ${db.t('marker')}; SELECT 2`), /Several statements/);
      await assert.rejects(db.transaction((tx) => tx.rows(`SELECT 1 FROM ${tx.t('marker')};`)), /Several statements/);
      // Checked statements are remembered; refused ones never are, and a transaction checks the same way.
      const own = `SELECT COUNT(*) AS n FROM ${db.t('marker')}`;
      for (let i = 0; i < 3; i++) await db.rows(own);
      await assert.rejects(db.rows(`SELECT * FROM \`${dbs[1]}\`.\`marker\``), /references another database/);
      await assert.rejects(db.transaction((tx) => tx.rows(`SELECT * FROM \`${dbs[1]}\`.\`marker\``)), /references another database/);
      // Connections carry no default database: an unqualified table cannot reach anyone.
      await assert.rejects(db.rows('SELECT * FROM marker'), /No database selected/);
      assert.throws(() => db.t('marker; DROP'), /Unsafe table name/);
    } finally {
      await budget.close();
    }
  });

  it('when every connection is busy for longer than the acquire timeout, then the waiter gets 503', async () => {
    const budget = new ConnectionBudget({ budget: 1, idleTimeoutMs: 60_000, acquireTimeoutMs: 200 });
    try {
      const db = new TenantDb('k0', dbs[0]!, servers[0]!, budget);
      const slow = db.rows(`SELECT SLEEP(1) AS s FROM ${db.t('marker')}`);
      await assert.rejects(db.rows(`SELECT 1 FROM ${db.t('marker')}`), (err: { status?: number }) => err.status === 503);
      await slow;
    } finally {
      await budget.close();
    }
  });

  it('when connections stay idle past the idle timeout, then they are closed', async () => {
    const budget = new ConnectionBudget({ budget: 2, idleTimeoutMs: 300, acquireTimeoutMs: 5_000 });
    try {
      const db = new TenantDb('k0', dbs[0]!, servers[0]!, budget);
      await Promise.all([db.rows(`SELECT SLEEP(0.05) FROM ${db.t('marker')}`), db.rows(`SELECT SLEEP(0.05) FROM ${db.t('marker')}`)]);
      assert.equal(budget.stats().open, 2);
      await new Promise((r) => setTimeout(r, 900));
      assert.equal(budget.stats().open, 0);
      assert.ok(budget.stats().reaped >= 2);
    } finally {
      await budget.close();
    }
  });

  it('when a transaction fails, then it is rolled back and the connection stays usable', async () => {
    const budget = new ConnectionBudget({ budget: 1, idleTimeoutMs: 60_000, acquireTimeoutMs: 5_000 });
    try {
      const db = new TenantDb('k0', dbs[0]!, servers[0]!, budget);
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.exec(`INSERT INTO ${tx.t('marker')} VALUES (2, 'tx')`);
          throw new Error('boom');
        }),
        /boom/,
      );
      const rows = await db.rows(`SELECT COUNT(*) AS n FROM ${db.t('marker')}`);
      assert.equal(Number(rows[0]!.n), 1);
    } finally {
      await budget.close();
    }
  });
});
