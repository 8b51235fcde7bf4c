import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SecretBox, createPool, type RowDataPacket } from '@kg/shared';
import { dropDatabases, deleteRedisPrefix, http, randomMasterKey, testMysqlTarget, testRedisUrl, uniqueId } from '@kg/shared/testing';

import { readCheckpoint } from '../src/modules/audit/audit.checkpoint';

const ROOT = path.resolve(__dirname, '../..');

/** Waits for the process to print a line matching `re` on stdout. */
function waitFor(child: ChildProcess, re: RegExp, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re}; output:\n${buf}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      buf += chunk.toString();
      const m = re.exec(buf);
      if (m) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve(m[0]);
      }
    };
    child.stdout!.on('data', onData);
  });
}

describe('control plane process: graceful shutdown', function () {
  this.timeout(90_000);
  const id = uniqueId('shutdown');
  const port = 40_000 + Math.floor(Math.random() * 10_000);
  const target = testMysqlTarget();
  const env = {
    ...process.env,
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    CONTROL_PLANE_PORT: String(port),
    MYSQL_HOST: target.host,
    MYSQL_PORT: String(target.port),
    MYSQL_USER: target.user,
    MYSQL_PASSWORD: target.password,
    CONTROL_DB_NAME: `cp_${id}`,
    REDIS_URL: testRedisUrl(),
    REDIS_KEY_PREFIX: `test:${id}:`,
    MASTER_KEY: randomMasterKey(),
    BCRYPT_COST: '13',
    BOOTSTRAP_ADMIN_USERNAME: 'shutdown-admin',
    BOOTSTRAP_ADMIN_PASSWORD: 'Shutdown2026pass',
    AUDIT_CHECKPOINT_DIR: path.join(os.tmpdir(), `kg-${id}-audit`),
  };
  let child: ChildProcess | undefined;

  after(async () => {
    child?.kill('SIGKILL');
    await dropDatabases([`cp_${id}`]);
    await deleteRedisPrefix(`test:${id}:`);
    await fs.rm(env.AUDIT_CHECKPOINT_DIR, { recursive: true, force: true });
  });

  it('when SIGTERM arrives during a slow sign-in, then the sign-in still completes and the process exits 0', async () => {
    child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', 'control-plane/src/start/server.ts'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await waitFor(child, /control plane listening/);
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    // bcrypt at cost 13 keeps this request in flight for a few hundred milliseconds.
    const login = http('POST', `http://127.0.0.1:${port}/api/admin/auth/login`, {
      body: { username: 'shutdown-admin', password: 'Shutdown2026pass' },
    });
    await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGTERM');
    const res = await login;
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.ok(res.body.data.token);
    assert.equal(await exited, 0);
    await assert.rejects(fetch(`http://127.0.0.1:${port}/api/health`), 'the port is closed after shutdown');
  });

  it('when the process has shut down, then the signed audit checkpoint holds the chain head it left', async () => {
    const pool = createPool(target, `cp_${id}`, { connectionLimit: 1 });
    try {
      const [[head]] = await pool.query<RowDataPacket[]>('SELECT last_id, last_hash FROM audit_chain_head WHERE id = 1');
      const read = await readCheckpoint({ dir: env.AUDIT_CHECKPOINT_DIR, database: `cp_${id}`, key: new SecretBox(env.MASTER_KEY).auditCheckpointKey });
      assert.equal(read.status, 'ok');
      assert.ok(read.status === 'ok');
      assert.deepEqual([read.checkpoint.lastId, read.checkpoint.lastHash], [Number(head!.last_id), String(head!.last_hash)]);
    } finally {
      await pool.end();
    }
  });
});
