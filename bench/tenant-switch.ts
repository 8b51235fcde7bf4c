/**
 * What switching a shared connection to another tenant costs (docs/privileges.md, The tenant app's
 * switch; docs/decisions.md, Tenant switch). Two tenant databases, each with its own account and
 * role, and a role account holding both roles; one connection, a one-row read, alternating
 * tenants. Prints what the server answers to COM_CHANGE_USER (the first byte of each packet:
 * 0xFE is an authentication switch request, 0x00 OK) and, per request, wall time and this
 * process's CPU for: same account; COM_CHANGE_USER + read; SET ROLE + read (two round trips);
 * SET ROLE + read in one write (what the tenant app does); `SET ROLE x;read` as one
 * multi-statement text (not used). MariaDB's CPU per request is printed next to each (when it
 * runs on this machine). A measurement, never a test gate; everything it creates is dropped at
 * the end.
 *
 *   npx tsx --conditions=development bench/tenant-switch.ts      (BENCH_N=2000 requests per case)
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import mysql from 'mysql2';
import { testMysqlTarget } from '@kg/shared/testing';
import { roleThenQuery } from '../tenant-app/src/internal/db/pipeline';

const N = Number(process.env.BENCH_N ?? 2000);
type Conn = mysql.Connection;

const q = (c: Conn, sql: string, p: unknown[] = []) =>
  new Promise<unknown>((resolve, reject) => c.query(sql, p, (e, r) => (e ? reject(e) : resolve(r))));
const open = (o: mysql.ConnectionOptions) =>
  new Promise<Conn>((resolve, reject) => {
    const c = mysql.createConnection({ ...o });
    c.connect((e) => (e ? reject(e) : resolve(c)));
  });
const changeUser = (c: Conn, user: string, password: string) =>
  new Promise<void>((resolve, reject) => c.changeUser({ user, password }, (e) => (e ? reject(e) : resolve())));

/**
 * MariaDB's process on this machine, if it runs here (its CPU is part of a switch's cost): the
 * one serving the target's port, not another server a test may have started with `--port=`.
 */
const dbPid = fs.readdirSync('/proc').find(
  (d) =>
    /^\d+$/.test(d) &&
    ['mariadbd', 'mysqld'].includes(readOr(`/proc/${d}/comm`).trim()) &&
    (/--port=(\d+)/.exec(readOr(`/proc/${d}/cmdline`).replace(/\0/g, ' '))?.[1] ?? String(testMysqlTarget().port)) === String(testMysqlTarget().port),
);
function readOr(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
/** CPU microseconds (user + system) MariaDB has used so far. */
function dbCpuUs(): number {
  if (!dbPid) return NaN;
  const f = readOr(`/proc/${dbPid}/stat`).split(') ')[1]?.split(' ') ?? [];
  return ((Number(f[11]) + Number(f[12])) / 100) * 1e6;
}

async function time(label: string, fn: (i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 200; i++) await fn(i); // warm-up
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const d0 = dbCpuUs();
  for (let i = 0; i < N; i++) await fn(i);
  const wall = Number(process.hrtime.bigint() - t0) / 1e3 / N;
  const cpu = process.cpuUsage(c0);
  const db = (dbCpuUs() - d0) / N;
  console.log(
    `${label.padEnd(32)} wall ${wall.toFixed(0).padStart(5)} µs   client CPU ${((cpu.user + cpu.system) / N).toFixed(0).padStart(4)} µs   MariaDB CPU ${db.toFixed(0).padStart(4)} µs`,
  );
}

async function main(): Promise<void> {
  const { host, port, user, password } = testMysqlTarget();
  const sfx = crypto.randomBytes(3).toString('hex');
  const tenants = ['a', 'b'].map((t) => ({ db: `kgsw_${sfx}_${t}`, user: `kgsw_${sfx}_${t}`, role: `kgswr_${sfx}_${t}`, password: crypto.randomBytes(12).toString('hex') }));
  const roleAccount = { user: `kgswra_${sfx}`, password: crypto.randomBytes(12).toString('hex') };
  const root = await open({ host, port, user, password });
  const conns: Conn[] = [];
  try {
    for (const t of tenants) {
      await q(root, `CREATE DATABASE \`${t.db}\``);
      await q(root, `CREATE TABLE \`${t.db}\`.t (id INT PRIMARY KEY, v VARCHAR(20))`);
      await q(root, `INSERT INTO \`${t.db}\`.t VALUES (1, 'x')`);
      await q(root, `CREATE USER '${t.user}'@'%' IDENTIFIED BY ?`, [t.password]);
      await q(root, `GRANT SELECT ON \`${t.db}\`.* TO '${t.user}'@'%'`);
      await q(root, `CREATE ROLE \`${t.role}\``);
      await q(root, `GRANT SELECT ON \`${t.db}\`.* TO \`${t.role}\``);
    }
    await q(root, `CREATE USER '${roleAccount.user}'@'%' IDENTIFIED BY ?`, [roleAccount.password]);
    for (const t of tenants) await q(root, `GRANT \`${t.role}\` TO '${roleAccount.user}'@'%'`);
    const read = (t: (typeof tenants)[number]) => `SELECT id, v FROM \`${t.db}\`.t WHERE id = ?`;

    // What the server answers to COM_CHANGE_USER, packet by packet.
    const probe = await open({ host, port, user: tenants[0]!.user, password: tenants[0]!.password });
    conns.push(probe);
    const seen: string[] = [];
    const inner = probe as unknown as { handlePacket: (p: { peekByte(): number } | null) => void };
    const handle = inner.handlePacket.bind(probe);
    inner.handlePacket = (p) => {
      if (p) seen.push('0x' + p.peekByte().toString(16).padStart(2, '0'));
      handle(p);
    };
    await changeUser(probe, tenants[1]!.user, tenants[1]!.password);
    console.log(`COM_CHANGE_USER answered with packets ${seen.join(', ')} (0xfe: authentication switch, a second round trip)`);

    const own = await open({ host, port, user: tenants[0]!.user, password: tenants[0]!.password });
    const viaRole = await open({ host, port, ...roleAccount });
    conns.push(own, viaRole);
    // The first case measured would otherwise also pay for the JIT warming up.
    for (let i = 0; i < 2000; i++) await q(own, read(tenants[0]!), [1]);
    await time('same account, read', () => q(own, read(tenants[0]!), [1]));
    await time('COM_CHANGE_USER + read', async (i) => {
      const t = tenants[i % 2]!;
      await changeUser(own, t.user, t.password);
      await q(own, read(t), [1]);
    });
    await q(viaRole, `SET ROLE \`${tenants[0]!.role}\``);
    await time('same role, read', () => q(viaRole, read(tenants[0]!), [1]));
    await time('SET ROLE + read', async (i) => {
      const t = tenants[i % 2]!;
      await q(viaRole, `SET ROLE \`${t.role}\``);
      await q(viaRole, read(t), [1]);
    });
    // What the tenant app does for a read (tenant-app/src/internal/db/pipeline.ts): both
    // COM_QUERY packets in one write, the answers read in order.
    const asPromise = { connection: viaRole } as unknown as Parameters<typeof roleThenQuery>[0];
    await time('SET ROLE + read, one write', (i) => {
      const t = tenants[i % 2]!;
      return new Promise((resolve, reject) => {
        const sent = roleThenQuery(asPromise, `SET ROLE \`${t.role}\``, read(t), [1], () => undefined, (e, r) => (e ? reject(e) : resolve(r)));
        if (!sent) reject(new Error('not sent in one write'));
      });
    });
    // The option not taken: one multi-statement text (needs CLIENT_MULTI_STATEMENTS on the
    // connection, so any text could then carry a SET ROLE after itself; docs/privileges.md).
    const multi = await open({ host, port, ...roleAccount, multipleStatements: true });
    conns.push(multi);
    await time('SET ROLE;read multi-statement', async (i) => {
      const t = tenants[i % 2]!;
      await q(multi, `SET ROLE \`${t.role}\`;${read(t)}`, [1]);
    });
  } finally {
    for (const c of conns) c.destroy();
    for (const t of tenants) {
      await q(root, `DROP DATABASE IF EXISTS \`${t.db}\``);
      await q(root, `DROP USER IF EXISTS '${t.user}'@'%'`);
      await q(root, `DROP ROLE IF EXISTS \`${t.role}\``);
    }
    await q(root, `DROP USER IF EXISTS '${roleAccount.user}'@'%'`);
    root.end();
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
