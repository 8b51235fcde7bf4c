import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { appliedVersions, loadMigrations, migrate } from '../src/migrations';
import { connect } from '../src/mysql';
import { dropDatabases, testMysqlTarget, uniqueId } from '../src/testing';

/** A folder of tiny numbered migrations written for one test. */
function migrationsDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kg-migrations-'));
  for (const [name, sql] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), sql);
  return dir;
}

const WIDGETS = {
  '001_widgets.sql': 'CREATE TABLE widgets (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(50) NOT NULL);',
  // No unique key on purpose: applying this twice would leave two rows.
  '002_seed.sql': "INSERT INTO widgets (name) VALUES ('first');\nINSERT INTO widgets (name) VALUES ('second');",
};

describe('migrate(): numbered SQL migrations', () => {
  const target = testMysqlTarget();
  const databases: string[] = [];
  const dirs: string[] = [];
  const newDb = () => {
    const db = uniqueId('mig');
    databases.push(db);
    return db;
  };
  const newDir = (files: Record<string, string>) => {
    const dir = migrationsDir(files);
    dirs.push(dir);
    return dir;
  };
  after(async () => {
    await dropDatabases(databases, target);
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  async function rows(db: string, sql: string): Promise<RowDataPacket[]> {
    const conn = await connect(target, db);
    try {
      return (await conn.query<RowDataPacket[]>(sql))[0];
    } finally {
      await conn.end();
    }
  }

  it('when run twice, then the second run applies nothing and each version is recorded once with its checksum', async () => {
    const db = newDb();
    const dir = newDir(WIDGETS);
    const first = await migrate(target, db, dir);
    assert.deepEqual(first, { applied: [1, 2], skipped: [] });
    const second = await migrate(target, db, dir);
    assert.deepEqual(second, { applied: [], skipped: [1, 2] });

    assert.deepEqual(await appliedVersions(target, db), [1, 2]);
    const recorded = await rows(db, 'SELECT version, name, checksum FROM schema_migrations ORDER BY version');
    assert.deepEqual(
      recorded.map((r) => [r.version, r.name, r.checksum]),
      loadMigrations(dir).map((m) => [m.version, m.name, m.checksum]),
    );
    assert.equal((await rows(db, 'SELECT COUNT(*) AS n FROM widgets'))[0]!.n, 2);
  });

  it('when a new file is added, then only that one is applied', async () => {
    const db = newDb();
    const dir = newDir(WIDGETS);
    await migrate(target, db, dir);
    fs.writeFileSync(path.join(dir, '003_color.sql'), "ALTER TABLE widgets ADD COLUMN color VARCHAR(20) NOT NULL DEFAULT 'red';");
    assert.deepEqual(await migrate(target, db, dir), { applied: [3], skipped: [1, 2] });
    assert.deepEqual(await appliedVersions(target, db), [1, 2, 3]);
  });

  it('when an applied file was changed, then migrate refuses with the file named and applies nothing after it', async () => {
    const db = newDb();
    const dir = newDir(WIDGETS);
    await migrate(target, db, dir);
    fs.writeFileSync(path.join(dir, '002_seed.sql'), "INSERT INTO widgets (name) VALUES ('edited');");
    fs.writeFileSync(path.join(dir, '003_more.sql'), 'CREATE TABLE gadgets (id INT PRIMARY KEY);');

    await assert.rejects(migrate(target, db, dir), /002_seed\.sql was changed after it was applied to .*add a new migration instead/);
    assert.deepEqual(await appliedVersions(target, db), [1, 2]);
    assert.deepEqual(await rows(db, "SHOW TABLES LIKE 'gadgets'"), []);
  });

  it('when an applied file only had its comments reworded and declares its old checksum valid, then migrate goes on', async () => {
    const db = newDb();
    const dir = newDir(WIDGETS);
    await migrate(target, db, dir);
    const [, seed] = loadMigrations(dir);
    fs.writeFileSync(
      path.join(dir, '002_seed.sql'),
      `-- valid-checksum: ${seed!.checksum}\n-- The first two widgets.\n${WIDGETS['002_seed.sql']}`,
    );
    fs.writeFileSync(path.join(dir, '003_more.sql'), 'CREATE TABLE gadgets (id INT PRIMARY KEY);');

    assert.deepEqual(await migrate(target, db, dir), { applied: [3], skipped: [1, 2] });
    assert.deepEqual(await rows(db, 'SELECT name FROM widgets ORDER BY id'), [{ name: 'first' }, { name: 'second' }]);
  });

  it('when a changed file declares a checksum other than the recorded one, then migrate still refuses it', async () => {
    const db = newDb();
    const dir = newDir(WIDGETS);
    await migrate(target, db, dir);
    fs.writeFileSync(path.join(dir, '002_seed.sql'), `-- valid-checksum: ${'a'.repeat(64)}\n${WIDGETS['002_seed.sql']}`);

    await assert.rejects(migrate(target, db, dir), /002_seed\.sql was changed after it was applied/);
  });

  it('when a migration fails, then the error names the file, it is not recorded, and the fixed file applies next time', async () => {
    const db = newDb();
    const dir = newDir({ ...WIDGETS, '003_broken.sql': 'ALTER TABLE no_such_table ADD COLUMN x INT;' });
    await assert.rejects(migrate(target, db, dir), /Migration 003_broken\.sql failed on/);
    assert.deepEqual(await appliedVersions(target, db), [1, 2]);

    fs.writeFileSync(path.join(dir, '003_broken.sql'), 'ALTER TABLE widgets ADD COLUMN x INT NULL;');
    assert.deepEqual(await migrate(target, db, dir), { applied: [3], skipped: [1, 2] });
  });

  it('when upTo is given, then later versions wait for a later run', async () => {
    const db = newDb();
    const dir = newDir(WIDGETS);
    assert.deepEqual(await migrate(target, db, dir, { upTo: 1 }), { applied: [1], skipped: [] });
    assert.deepEqual(await migrate(target, db, dir), { applied: [2], skipped: [1] });
  });

  it('when two runners migrate the same database at once, then each migration is applied exactly once', async () => {
    const db = newDb();
    const dir = newDir({
      ...WIDGETS,
      // A slow step widens the window in which the second runner could slip in.
      '003_slow.sql': 'DO SLEEP(0.3);\nINSERT INTO widgets (name) VALUES (\'third\');',
    });
    const results = await Promise.all([migrate(target, db, dir), migrate(target, db, dir), migrate(target, db, dir)]);

    const applied = results.flatMap((r) => r.applied).sort();
    assert.deepEqual(applied, [1, 2, 3], 'every version applied by exactly one runner');
    for (const r of results) assert.deepEqual([...r.applied, ...r.skipped].sort(), [1, 2, 3]);
    assert.deepEqual(await appliedVersions(target, db), [1, 2, 3]);
    assert.equal((await rows(db, 'SELECT COUNT(*) AS n FROM widgets'))[0]!.n, 3);
  });
});
