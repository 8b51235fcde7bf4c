import assert from 'node:assert/strict';
import type { RowDataPacket } from 'mysql2/promise';
import { connect, createPool, duplicateKey, withTransaction, type Pool } from '../src/mysql';
import { dropDatabases, testMysqlTarget, uniqueId } from '../src/testing';

describe('withTransaction() and duplicateKey()', () => {
  const target = testMysqlTarget();
  const db = uniqueId('mysqltx');
  let pool: Pool;

  before(async () => {
    const admin = await connect(target);
    try {
      await admin.query(`CREATE DATABASE \`${db}\``);
      await admin.query(`CREATE TABLE \`${db}\`.items (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL, UNIQUE KEY uk_items_name (name))`);
    } finally {
      await admin.end();
    }
    pool = createPool(target, db, { connectionLimit: 3 });
  });
  after(async () => {
    await pool.end();
    await dropDatabases([db], target);
  });

  /** Counts rows twice in one transaction, with a row committed by another connection in between. */
  async function countsAroundConcurrentInsert(id: number, isolation: 'READ COMMITTED' | 'REPEATABLE READ') {
    return withTransaction(
      pool,
      async (conn) => {
        const count = async () => Number((await conn.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM items'))[0][0]!.n);
        const before = await count();
        await pool.query('INSERT INTO items (id, name) VALUES (?, ?)', [id, `item${id}`]);
        return [before, await count()];
      },
      { isolation },
    );
  }

  it('when READ COMMITTED is asked for, then the transaction sees rows committed meanwhile', async () => {
    const [before, after] = await countsAroundConcurrentInsert(1, 'READ COMMITTED');
    assert.equal(after, before + 1);
  });

  it('when REPEATABLE READ is asked for, then the transaction keeps its first snapshot', async () => {
    const [before, after] = await countsAroundConcurrentInsert(2, 'REPEATABLE READ');
    assert.equal(after, before);
  });

  it('when the function throws, then nothing it wrote is kept', async () => {
    await assert.rejects(
      withTransaction(pool, async (conn) => {
        await conn.query("INSERT INTO items (id, name) VALUES (3, 'item3')");
        throw new Error('boom');
      }),
      /boom/,
    );
    const [rows] = await pool.query<RowDataPacket[]>('SELECT id FROM items WHERE id = 3');
    assert.equal(rows.length, 0);
  });

  it('when an insert hits a unique key, then duplicateKey names that key; other errors give null', async () => {
    const err = await pool.query("INSERT INTO items (id, name) VALUES (4, 'item1')").catch((e: unknown) => e);
    assert.equal(duplicateKey(err), 'uk_items_name');
    const pk = await pool.query("INSERT INTO items (id, name) VALUES (1, 'other')").catch((e: unknown) => e);
    assert.equal(duplicateKey(pk), 'PRIMARY');
    assert.equal(duplicateKey(new Error('not a MySQL error')), null);
  });
});
