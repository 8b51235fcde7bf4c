import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect, type MysqlTarget } from '@kg/shared';
import { freePort } from '@kg/shared/testing';

function binary(name: string): string | null {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/bin']) {
    const p = path.join(dir, name);
    if (dir && fs.existsSync(p)) return p;
  }
  return null;
}


/** A second, throw-away MariaDB server (own data dir and port), root without a password over TCP. */
export async function startSecondServer(): Promise<{ target: MysqlTarget; stop(): Promise<void> } | null> {
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
