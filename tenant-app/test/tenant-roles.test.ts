import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { connect, dropTenantDbRole, ensureRoleAccount, ensureTenantDbRole, tenantDbRoleName } from '@kg/shared';
import { dropDatabases, testMysqlTarget, uniqueId } from '@kg/shared/testing';
import { ConnectionBudget, asRole, dbServer, type DbServer, type RoleSwitch, type TenantIdentity } from '../src/internal/db/connection-budget';
import { TenantDb } from '../src/internal/db/tenant-db';

/**
 * Shared connections signed in as the tenant app's role account and switched per tenant with SET
 * ROLE (docs/privileges.md, The tenant app's switch): the account holds every tenant database's
 * role and nothing of its own, so MySQL refuses whatever the current tenant's role does not allow.
 */
describe('tenant app: connections switched with SET ROLE', function () {
  this.timeout(60_000);
  const target = testMysqlTarget();
  const id = uniqueId('role').replace(/[^a-z0-9_]/g, '');
  const roleUser = `tr_${crypto.randomBytes(4).toString('hex')}`;
  const rolePassword = crypto.randomBytes(10).toString('hex');
  const dbs = [`${id}_a`, `${id}_b`];
  const roles = dbs.map(tenantDbRoleName);
  const ids: TenantIdentity[] = roles.map(asRole);
  let server: DbServer;

  before(async () => {
    const root = await connect(target);
    try {
      await ensureRoleAccount(root, { user: roleUser, host: '%', password: rolePassword });
      for (const [i, db] of dbs.entries()) {
        await root.query(`CREATE DATABASE \`${db}\``);
        await root.query(`CREATE TABLE \`${db}\`.marker (id INT PRIMARY KEY, name VARCHAR(50))`);
        await root.query(`INSERT INTO \`${db}\`.marker VALUES (1, ?)`, [`tenant-${i}`]);
        await ensureTenantDbRole(root, roles[i]!, db, { user: roleUser, host: '%' });
      }
    } finally {
      await root.end();
    }
    server = dbServer({ host: target.host, port: target.port, user: roleUser, password: rolePassword });
  });

  after(async () => {
    await dropDatabases(dbs);
    const root = await connect(target);
    await root.query(`DROP USER IF EXISTS '${roleUser}'@'%'`).catch(() => undefined);
    for (const r of roles) await dropTenantDbRole(root, r).catch(() => undefined);
    await root.end();
  });

  const [a, b] = [0, 1];

  it('when the role account has not taken a role, then it can read no tenant database', async () => {
    const conn = await connect({ host: target.host, port: target.port, user: roleUser, password: rolePassword });
    try {
      for (const db of dbs) await assert.rejects(conn.query(`SELECT name FROM \`${db}\`.marker`), /denied/i);
      const [[row]] = (await conn.query('SELECT CURRENT_ROLE() AS r')) as unknown as [Array<{ r: string | null }>];
      assert.equal(row!.r, null, 'no default role');
    } finally {
      await conn.end();
    }
  });

  it('when a statement tries to change the role or the session, then the guard refuses it before MySQL sees it', async () => {
    const budget = new ConnectionBudget({ budget: 1, idleTimeoutMs: 60_000, acquireTimeoutMs: 5_000 });
    try {
      const dbA = new TenantDb('ka', dbs[a]!, server, budget, ids[a]);
      for (const sql of [`SET ROLE \`${roles[b]}\``, `/* x */ SET ROLE ${roles[b]}`, `/* x */ USE \`${dbs[b]}\``, "SET sql_mode = ''", '-- c\nSET @x = 1']) {
        await assert.rejects(dbA.rows(sql), /not allowed/, sql);
      }
      assert.equal(budget.stats().created, 0, 'nothing was sent');
    } finally {
      await budget.close();
    }
  });

  for (const mode of ['one_write', 'separate', 'multi_statement'] as RoleSwitch[]) {
    describe(`switching with ${mode}`, () => {
      const budgetFor = (m: RoleSwitch) => new ConnectionBudget({ budget: 1, idleTimeoutMs: 60_000, acquireTimeoutMs: 5_000, roleSwitch: m });

      it("when the guard is bypassed and a statement names tenant B's database on a connection switched to tenant A's role, then MySQL refuses it", async () => {
        const budget = budgetFor(mode);
        try {
          // Serve B first, so the one connection really is switched from B to A.
          const dbB = new TenantDb('kb', dbs[b]!, server, budget, ids[b]);
          assert.equal((await dbB.rows(`SELECT name FROM ${dbB.t('marker')}`))[0]!.name, 'tenant-1');
          // budget.query is below TenantDb's guard: these statements reach MySQL unchecked.
          await assert.rejects(budget.query(server, `SELECT name FROM \`${dbs[b]}\`.marker`, [], ids[a]), /denied/i);
          await assert.rejects(budget.query(server, `UPDATE \`${dbs[b]}\`.marker SET name = 'x'`, [], ids[a]), /denied/i);
          const [who] = (await budget.query(server, 'SELECT CURRENT_ROLE() AS r', [], ids[a])) as Array<{ r: string }>;
          assert.equal(who!.r, roles[a]);
          const dbA = new TenantDb('ka', dbs[a]!, server, budget, ids[a]);
          assert.equal((await dbA.rows(`SELECT name FROM ${dbA.t('marker')}`))[0]!.name, 'tenant-0');
          const s = budget.stats();
          // multi_statement cannot tell a refused read from a refused SET ROLE, so it closes the connection after either.
          assert.equal(s.created, mode === 'multi_statement' ? 2 : 1, 'one shared connection served both tenants');
          assert.ok(s.switches >= 2, 'the connection was switched from B to A');
        } finally {
          await budget.close();
        }
      });

      it("when SET ROLE fails for a read sent in the same write, then the caller gets the switch's error, not the rows the previous role could read, and the connection is closed", async () => {
        const budget = budgetFor(mode);
        try {
          await budget.query(server, 'SELECT 1', [], ids[a]);
          const missing = asRole(`kgr_${id}_missing`); // a role the role account does not hold
          // Guard bypassed: the read names A's database, which the connection's previous role (A) may read.
          await assert.rejects(budget.query(server, `SELECT name FROM \`${dbs[a]}\`.marker`, [], missing), (err: Error) => {
            assert.match(err.message, /role|denied|Invalid/i);
            assert.doesNotMatch(err.message, /tenant-0/);
            return true;
          });
          assert.equal(budget.stats().switchesInOneWrite, mode === 'separate' ? 0 : 1, 'the first switch (to A) counted once');
          // The connection that failed its switch is not reused: the next statement opens another one.
          await new Promise((r) => setTimeout(r, 50));
          const [who] = (await budget.query(server, 'SELECT CURRENT_ROLE() AS r', [], ids[b])) as Array<{ r: string }>;
          assert.equal(who!.r, roles[b]);
          assert.equal(budget.stats().created, 2, 'the connection whose switch failed was closed');
        } finally {
          await budget.close();
        }
      });

      it('when SET ROLE fails before a write, then the write is never sent (writes wait for their switch)', async () => {
        const budget = budgetFor(mode);
        try {
          await budget.query(server, 'SELECT 1', [], ids[a]);
          const missing = asRole(`kgr_${id}_missing`);
          await assert.rejects(budget.query(server, `UPDATE \`${dbs[a]}\`.marker SET name = 'hijacked' WHERE id = 1`, [], missing));
          const [row] = (await budget.query(server, `SELECT name FROM \`${dbs[a]}\`.marker`, [], ids[a])) as Array<{ name: string }>;
          assert.equal(row!.name, 'tenant-0', "A's row is untouched");
          assert.equal(budget.stats().switchesInOneWrite, mode === 'separate' ? 0 : 2, 'the reads switched in one write, the write did not');
        } finally {
          await budget.close();
        }
      });

      it('when a transaction runs for a tenant, then it runs under that tenant role', async () => {
        const budget = budgetFor(mode);
        try {
          await budget.query(server, 'SELECT 1', [], ids[b]);
          const dbA = new TenantDb('ka', dbs[a]!, server, budget, ids[a]);
          const role = await dbA.transaction(async (tx) => {
            await tx.exec(`UPDATE ${tx.t('marker')} SET name = ? WHERE id = 1`, ['tenant-0']);
            return (await tx.rows('SELECT CURRENT_ROLE() AS r'))[0]!.r as string;
          });
          assert.equal(role, roles[a]);
        } finally {
          await budget.close();
        }
      });

      it('when requests alternate between two tenants on one connection, then each is switched once and the cost of a switch is measured', async () => {
        const budget = budgetFor(mode);
        const n = 2000;
        try {
          const sql = `SELECT 1 AS one`;
          const time = async (pick: (i: number) => TenantIdentity, text = sql) => {
            const started = performance.now();
            for (let i = 0; i < n; i++) await budget.query(server, text, [], pick(i));
            return ((performance.now() - started) * 1000) / n;
          };
          await time(() => ids[a]!); // warm-up
          const before = budget.stats().switches;
          const sameUs = await time(() => ids[a]!);
          const alternatingUs = await time((i) => ids[i % 2]!);
          assert.equal(budget.stats().switches - before, n - 1, 'every alternating statement switched, none of the others');
          assert.equal(budget.stats().switchesInOneWrite, mode === 'separate' ? 0 : budget.stats().switches, 'each SET ROLE went out with its read unless told otherwise');
          assert.equal(budget.stats().created, 1);
          // A figure for docs/privileges.md, not a gate (wall-clock numbers never gate tests).
          // The same alternation with the switch in its own round trip (writes, and texts not starting with SELECT, go that way).
          const separateUs = await time((i) => ids[i % 2]!, `/* separate */ ${sql}`);
          console.log(`      statement ${sameUs.toFixed(0)} µs; with SET ROLE (${mode}) ${alternatingUs.toFixed(0)} µs, in its own round trip ${separateUs.toFixed(0)} µs`);
        } finally {
          await budget.close();
        }
      });

      if (mode === 'multi_statement') {
        it('when a statement text carries a `;` or a value tries to end its statement, then nothing but the one statement runs', async () => {
          const budget = budgetFor(mode);
          try {
            await budget.query(server, 'SELECT 1', [], ids[a]);
            // Below the guard: the budget itself refuses a second statement in the text.
            await assert.rejects(budget.query(server, `SELECT 1; SET ROLE \`${roles[b]}\``, [], ids[a]), /Several statements/);
            await assert.rejects(budget.query(server, `SELECT 1; SELECT name FROM \`${dbs[b]}\`.marker`, [], ids[b]), /Several statements/);
            // A value is a literal: its quote and `;` do not end the statement.
            const evil = `x'; SET ROLE \`${roles[b]}\`; SELECT '`;
            const [row] = (await budget.query(server, 'SELECT ? AS v, CURRENT_ROLE() AS r', [evil], ids[a])) as Array<{ v: string; r: string }>;
            assert.equal(row!.v, evil);
            assert.equal(row!.r, roles[a]);
            const [after] = (await budget.query(server, 'SELECT CURRENT_ROLE() AS r', [], ids[a])) as Array<{ r: string }>;
            assert.equal(after!.r, roles[a], 'still running as A');
          } finally {
            await budget.close();
          }
        });
      }
    });
  }
});
