import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect, type MysqlTarget, type RowDataPacket } from '@kg/shared';
import { freePort } from '@kg/shared/testing';
import {
  createBody,
  createTenantRequest,
  startProvisioningEnv,
  waitForStatus,
  type ProvisioningEnv,
  type Worker,
} from './helpers/provisioning';

function binary(name: string): string | null {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/bin']) {
    const p = path.join(dir, name);
    if (dir && fs.existsSync(p)) return p;
  }
  return null;
}


/** A second, throw-away MariaDB server (own data dir and port), root without a password over TCP. */
async function startSecondServer(): Promise<{ target: MysqlTarget; stop(): Promise<void> } | null> {
  const mariadbd = binary('mariadbd');
  const installDb = binary('mariadb-install-db');
  if (!mariadbd || !installDb) return null;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kg-second-mariadb-'));
  const install = spawnSync(
    installDb,
    ['--no-defaults', `--datadir=${dir}/data`, '--auth-root-authentication-method=normal', '--user=root', '--skip-test-db'],
    { encoding: 'utf8' },
  );
  if (install.status !== 0) throw new Error(`mariadb-install-db failed: ${install.stderr}`);
  const port = await freePort();
  const child: ChildProcess = spawn(
    mariadbd,
    [
      '--no-defaults',
      `--datadir=${dir}/data`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--socket=${dir}/sock`,
      '--user=root',
      '--innodb-buffer-pool-size=32M',
      '--skip-name-resolve',
    ],
    { stdio: 'ignore' },
  );
  const target: MysqlTarget = { host: '127.0.0.1', port, user: 'root', password: '' };
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const conn = await connect(target);
      await conn.end();
      break;
    } catch (err) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`second mariadbd did not start: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    target,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(t);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function schemaExists(target: MysqlTarget, name: string): Promise<boolean> {
  const conn = await connect(target);
  try {
    const [rows] = await conn.query<RowDataPacket[]>('SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [name]);
    return rows.length === 1;
  } finally {
    await conn.end();
  }
}

describe('placement of tenant databases over several MySQL servers (docs/provisioning.md, Placement)', function () {
  this.timeout(180_000);
  let second: Awaited<ReturnType<typeof startSecondServer>>;
  let env: ProvisioningEnv;
  let worker: Worker;
  let localId: number;
  let secondId: number;

  before(async function () {
    second = await startSecondServer();
    if (!second) {
      console.warn('      skipped: mariadbd / mariadb-install-db not installed, cannot start a second database server');
      this.skip();
    }
    env = await startProvisioningEnv('placement');
    const [[local]] = await env.cp.db.query<RowDataPacket[]>("SELECT id FROM database_servers WHERE name = 'local'");
    localId = Number(local!.id);
    await env.cp.db.query('UPDATE database_servers SET capacity = 2 WHERE id = ?', [localId]);
    const [res] = await env.cp.db.query<import('@kg/shared').ResultSetHeader>(
      `INSERT INTO database_servers (name, host, port, username, secret_ref, capacity, status)
       VALUES ('second', '127.0.0.1', ?, 'root', NULL, 3, 'active')`,
      [second!.target.port],
    );
    secondId = res.insertId;
    worker = env.startWorker();
  });

  after(async () => {
    await worker?.stop();
    await env?.close();
    await second?.stop();
  });

  async function create(extra: Record<string, unknown> = {}) {
    return createTenantRequest(env, await createBody(env, extra));
  }

  async function expectPlaced(res: Awaited<ReturnType<typeof create>>, serverId: number) {
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(res.body.data.dbServerId, serverId);
    const code = res.body.data.tenantCode as string;
    await waitForStatus(env, code, ['active'], 90_000);
    const dbName = res.body.data.databaseName as string;
    const local = { host: env.cp.config.MYSQL_HOST, port: env.cp.config.MYSQL_PORT, user: env.cp.config.MYSQL_USER, password: env.cp.config.MYSQL_PASSWORD };
    assert.equal(await schemaExists(second!.target, dbName), serverId === secondId, `database on the second server: ${dbName}`);
    assert.equal(await schemaExists(local, dbName), serverId === localId, `database on the local server: ${dbName}`);
  }

  it('when a server is given, then the database goes there; otherwise to the freest server; a full server is never chosen', async () => {
    // local 0/2, second 0/3: explicit local is honoured although second has more room.
    await expectPlaced(await create({ dbServerId: localId }), localId); // local 1/2
    await expectPlaced(await create(), secondId); // freest: second (3 free vs 1) -> 1/3
    await expectPlaced(await create(), secondId); // second (2 free vs 1) -> 2/3
    await expectPlaced(await create(), localId); // tie 1:1 -> lowest id -> local 2/2 (full)

    const full = await create({ dbServerId: localId });
    assert.equal(full.status, 409);
    assert.equal(full.body.error.code, 'DATABASE_SERVER_UNAVAILABLE');
    assert.match(full.body.error.message, /full/);

    await expectPlaced(await create(), secondId); // only second has room -> 3/3
    const none = await create();
    assert.equal(none.status, 409);
    assert.equal(none.body.error.code, 'NO_DATABASE_CAPACITY');

    const unknown = await create({ dbServerId: 999_999 });
    assert.equal(unknown.status, 400);
    await env.cp.db.query("UPDATE database_servers SET capacity = 10, status = 'draining' WHERE id = ?", [secondId]);
    const draining = await create({ dbServerId: secondId });
    assert.equal(draining.status, 409, 'a draining server takes no new tenants');
  });
});
