import assert from 'node:assert/strict';
import net from 'node:net';
import type { RowDataPacket } from '@kg/shared';
import { http } from '@kg/shared/testing';
import { startControlPlane, type TestControlPlane } from './helpers/harness';
import { auditRows, insertTenant, roleTokens, type RoleTokens } from './helpers/operator-fixtures';

/** A port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('database servers', () => {
  let cp: TestControlPlane;
  let tokens: RoleTokens;
  const url = () => `${cp.url}/api/db-servers`;
  before(async () => {
    cp = await startControlPlane('dbservers', { DB_SERVER_CONNECT_TIMEOUT_MS: '600' });
    tokens = await roleTokens(cp);
  });
  after(async () => {
    await cp?.close();
  });

  it('when an operator lists servers, then each shows its tenant count and free capacity, never a password', async () => {
    const [[local]] = await cp.db.query<RowDataPacket[]>("SELECT id FROM database_servers WHERE name = 'local'");
    await insertTenant(cp, { code: 'k001', dbServerId: Number(local!.id) });
    await insertTenant(cp, { code: 'k002', dbServerId: Number(local!.id), status: 'suspended' });
    await insertTenant(cp, { code: 'k003', dbServerId: Number(local!.id), status: 'purged' });
    const res = await http('GET', url(), { token: tokens.operator });
    assert.equal(res.status, 200);
    const server = res.body.data.items.find((s: { name: string }) => s.name === 'local');
    assert.equal(server.tenantCount, 2, 'purged tenants no longer occupy the server');
    assert.equal(server.capacity, 500);
    assert.equal(server.freeCapacity, 498);
    assert.equal(server.secretRef, 'env:MYSQL_PASSWORD');
    assert.equal(server.password, undefined);
  });

  it('when a super admin registers a reachable server, then it is stored with its secret reference and audited', async () => {
    const body = {
      name: 'replica-b',
      // The same server under another name, so it does not collide with the 'local' row.
      host: cp.config.MYSQL_HOST === 'localhost' ? '127.0.0.1' : 'localhost',
      port: cp.config.MYSQL_PORT,
      username: cp.config.MYSQL_USER,
      secretRef: 'env:MYSQL_PASSWORD',
      capacity: 40,
    };
    const res = await http('POST', url(), { token: tokens.superAdmin, body });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.data.name, 'replica-b');
    assert.equal(res.body.data.capacity, 40);
    assert.equal(res.body.data.freeCapacity, 40);
    assert.equal(res.body.data.status, 'active');
    assert.ok(res.body.data.serverVersion);
    const audit = await auditRows(cp, 'db_server.create');
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.after_data.host, body.host);
    assert.equal(audit[0]!.actor_id, String(tokens.ids.superAdmin));
    const dup = await http('POST', url(), { token: tokens.superAdmin, body });
    assert.equal(dup.status, 409);
  });

  /** A loopback port that accepts connections and never says anything (a filtered port, as seen by a client). */
  async function silentPort(): Promise<{ port: number; close: () => Promise<void> }> {
    const sockets = new Set<net.Socket>();
    const srv = net.createServer((s) => sockets.add(s));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    return {
      port: (srv.address() as net.AddressInfo).port,
      close: () => new Promise<void>((r) => (sockets.forEach((s) => s.destroy()), srv.close(() => r()))),
    };
  }

  it('when the port is closed or silent, then the same generic 400 DB_SERVER_UNREACHABLE, after the same wait, and nothing is stored', async () => {
    const closed = await closedPort();
    const silent = await silentPort();
    const timeout = cp.config.DB_SERVER_CONNECT_TIMEOUT_MS;
    try {
      const answers = [];
      for (const [name, port] of [['ghost-closed', closed], ['ghost-silent', silent.port]] as const) {
        const started = Date.now();
        const res = await http('POST', url(), {
          token: tokens.superAdmin,
          body: { name, host: '127.0.0.1', port, username: 'root', secretRef: null, capacity: 10 },
        });
        const ms = Date.now() - started;
        assert.equal(res.status, 400);
        assert.ok(ms >= timeout - 20 && ms < timeout + 1500, `${name} answered after ${ms} ms`);
        const { requestId: _r, ...error } = res.body.error;
        answers.push(error);
      }
      assert.deepEqual(answers[0], answers[1]);
      assert.equal(answers[0].code, 'DB_SERVER_UNREACHABLE');
      const text = JSON.stringify(answers[0]);
      for (const leak of ['ECONNREFUSED', 'ETIMEDOUT', String(closed), '127.0.0.1']) assert.ok(!text.includes(leak), leak);
    } finally {
      await silent.close();
    }
    const [rows] = await cp.db.query<RowDataPacket[]>("SELECT id FROM database_servers WHERE name LIKE 'ghost%'");
    assert.equal(rows.length, 0);
  });

  it('when the host is private or link-local, then 400 OUTBOUND_ADDRESS_REFUSED on host before any connection', async () => {
    for (const host of ['10.20.30.40', '169.254.169.254', '192.168.0.10', 'fd00::1']) {
      const started = Date.now();
      const res = await http('POST', url(), {
        token: tokens.superAdmin,
        body: { name: 'inner', host, username: 'root', secretRef: null, capacity: 1 },
      });
      assert.equal(res.status, 400, host);
      assert.equal(res.body.error.code, 'OUTBOUND_ADDRESS_REFUSED');
      assert.equal(res.body.error.details[0].field, 'host');
      assert.ok(Date.now() - started < cp.config.DB_SERVER_CONNECT_TIMEOUT_MS, 'decided without connecting');
    }
  });

  it('when the secret reference is not on DB_SERVER_SECRET_REFS (or not env:NAME_PASSWORD), then 400 on secretRef', async () => {
    for (const secretRef of ['hunter2', 'env:MASTER_KEY', 'env:BOOTSTRAP_ADMIN_PASSWORD', 'env:OTHER_PASSWORD']) {
      const res = await http('POST', url(), {
        token: tokens.superAdmin,
        body: { name: 'x', host: 'localhost', username: 'root', secretRef },
      });
      assert.equal(res.status, 400);
      assert.equal(res.body.error.details[0].field, 'secretRef');
    }
  });

  it('when a super admin changes capacity and status, then they apply and the audit keeps before/after', async () => {
    const [[row]] = await cp.db.query<RowDataPacket[]>("SELECT id FROM database_servers WHERE name = 'replica-b'");
    const res = await http('PATCH', `${url()}/${row!.id}`, { token: tokens.superAdmin, body: { capacity: 80, status: 'draining' } });
    assert.equal(res.status, 200);
    assert.equal(res.body.data.capacity, 80);
    assert.equal(res.body.data.status, 'draining');
    const [audit] = await auditRows(cp, 'db_server.update');
    assert.deepEqual([audit!.before_data.capacity, audit!.before_data.status], [40, 'active']);
    assert.deepEqual([audit!.after_data.capacity, audit!.after_data.status], [80, 'draining']);
    assert.equal((await http('PATCH', `${url()}/${row!.id}`, { token: tokens.superAdmin, body: { status: 'gone' } })).status, 400);
    assert.equal((await http('PATCH', `${url()}/99999`, { token: tokens.superAdmin, body: { capacity: 1 } })).status, 404);
  });

  it('when an operator or admin writes, then 403; a user token or none 401', async () => {
    const body = { name: 'nope', host: 'localhost', username: 'root', capacity: 1 };
    for (const token of [tokens.operator, tokens.admin]) {
      assert.equal((await http('POST', url(), { token, body })).status, 403);
      assert.equal((await http('PATCH', `${url()}/1`, { token, body: { capacity: 1 } })).status, 403);
    }
    assert.equal((await http('GET', url(), { token: tokens.user })).status, 401);
    assert.equal((await http('GET', url())).status, 401);
  });
});
