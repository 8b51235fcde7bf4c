import assert from 'node:assert/strict';
import nodeHttp from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RowDataPacket } from '@kg/shared';
import { http } from '@kg/shared/testing';
import { roleTokens } from '../../control-plane/test/helpers/operator-fixtures';
import { requestWithHost, startTenantStack, tenantHeader, type TenantStack, type TestTenant, type TestUser } from './helpers/harness';

/**
 * A forwarding proxy in front of the control plane that counts the billing calls reaching it, so
 * a test can tell a refusal of the tenant app from one of the control plane.
 */
async function countingProxy() {
  const state = { target: '', billingCalls: 0 };
  const server = nodeHttp.createServer((req, res) => {
    if (!state.target) return void res.writeHead(503).end(); // the control plane is not up yet
    if (req.url?.startsWith('/api/v1/billing/')) state.billingCalls++;
    const up = nodeHttp.request(new URL(req.url ?? '/', state.target), { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    up.on('error', () => res.writeHead(502).end());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    state,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

/**
 * The staff app's billing routes (docs/staff-app.md, "Billing"): the tenant app relays balance,
 * transactions, bills, usage and card redeems to the control plane with the user's token and the
 * request's tenant, after its own permission check; and the attacks on them.
 */
describe('tenant app: billing relay', function () {
  this.timeout(120_000);
  let stack: TenantStack;
  let proxy: Awaited<ReturnType<typeof countingProxy>>;
  let a: TestTenant;
  let b: TestTenant;
  let c: TestTenant;
  let d: TestTenant;
  let adminA: TestUser;
  let adminB: TestUser;
  let adminC: TestUser;
  let adminD: TestUser;
  let teacherA: TestUser;
  let operatorAdmin: string;

  const api = (method: string, path: string, token: string, body?: unknown, code = a.code) =>
    http(method, `${stack.url}${path}`, { headers: tenantHeader(code), token, body });
  const cards = async (count: number, value = 50) => {
    const res = await http('POST', `${stack.cp.url}/api/recharge-cards/batches`, {
      token: operatorAdmin,
      body: { value, count, expiresAt: new Date(Date.now() + 86_400_000).toISOString() },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.data as { batchId: string; codes: string[] };
  };
  const balanceOf = async (code: string) => {
    const [rows] = await stack.cp.db.query<RowDataPacket[]>('SELECT CAST(balance AS CHAR) AS b FROM tenant_accounts WHERE tenant_id = ?', [code]);
    return Number(rows[0]!.b);
  };

  before(async () => {
    proxy = await countingProxy();
    // The control plane's address is known only once the stack is up, so the proxy answers 503
    // until then; a JWKS fetch the app makes meanwhile must not hold it off the keys for 5 s.
    stack = await startTenantStack('billing', { CONTROL_PLANE_URL: proxy.url, JWKS_REFETCH_INTERVAL_MS: '0' });
    proxy.state.target = stack.cp.url;
    a = await stack.createTenant('k401');
    b = await stack.createTenant('k402');
    c = await stack.createTenant('k403');
    d = await stack.createTenant('k404');
    for (const [t, balance] of [[a, '25.5'], [b, '987.65'], [c, '0'], [d, '0']] as const) {
      await stack.cp.db.query("INSERT INTO tenant_accounts (tenant_id, balance, credit_limit) VALUES (?, ?, '10')", [t.code, balance]);
    }
    adminA = await stack.addUser(a, 'admin');
    adminB = await stack.addUser(b, 'admin');
    adminC = await stack.addUser(c, 'admin');
    adminD = await stack.addUser(d, 'admin');
    teacherA = await stack.addUser(a, 'teacher');
    operatorAdmin = (await roleTokens(stack.cp)).admin;
  });
  after(async () => {
    await stack?.close();
    await proxy?.close();
  });

  it("when a tenant admin reads the account, transactions, bills and usage, then the control plane's answers come through", async () => {
    const account = await api('GET', '/api/billing/account', adminA.token);
    assert.equal(account.status, 200, JSON.stringify(account.body));
    assert.deepEqual(
      { tenantCode: account.body.data.tenantCode, balance: account.body.data.balance, creditLimit: account.body.data.creditLimit, planType: account.body.data.planType },
      { tenantCode: a.code, balance: 25.5, creditLimit: 10, planType: 'basic' },
    );
    assert.equal(typeof account.body.data.usage.monthlyAiTokens, 'number');
    for (const path of ['/api/billing/transactions?limit=5', '/api/billing/bills', '/api/billing/usage?from=2026-01-01&to=2026-01-31']) {
      const res = await api('GET', path, adminA.token);
      assert.equal(res.status, 200, `${path}: ${JSON.stringify(res.body)}`);
    }
    const usage = await api('GET', '/api/billing/usage?from=2026-01-01&to=2026-01-31', adminA.token);
    assert.deepEqual([usage.body.data.from, usage.body.data.to, usage.body.data.days], ['2026-01-01', '2026-01-31', []]);
  });

  it('when a tenant admin redeems a card, then the balance rises by its value, a recharge transaction is listed and the operation is logged', async () => {
    const { codes } = await cards(1, 50);
    const res = await api('POST', '/api/billing/recharge', adminA.token, { code: codes[0] });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual([Number(res.body.data.amount), Number(res.body.data.balance)], [50, 75.5]);
    assert.equal(await balanceOf(a.code), 75.5);
    const account = await api('GET', '/api/billing/account', adminA.token);
    assert.equal(account.body.data.balance, 75.5);
    assert.deepEqual([account.body.data.transactions[0].type, Number(account.body.data.transactions[0].amount)], ['recharge', 50]);
    const page = await api('GET', '/api/billing/transactions?limit=1', adminA.token);
    assert.equal(page.body.data.items[0].type, 'recharge');
    const conn = await stack.tenantConn(a);
    try {
      const [logs] = await conn.query<RowDataPacket[]>("SELECT user_id FROM operation_logs WHERE module = 'billing'");
      assert.deepEqual(logs.map((l) => Number(l.user_id)), [adminA.tenantUserId]);
    } finally {
      await conn.end();
    }
  });

  it('when a used, unknown or expired code is redeemed, then 409, 404 and 410 come back plainly and the balance stays', async () => {
    const { batchId, codes } = await cards(2, 5);
    assert.equal((await api('POST', '/api/billing/recharge', adminA.token, { code: codes[0] })).status, 200);
    const balance = await balanceOf(a.code);
    const again = await api('POST', '/api/billing/recharge', adminA.token, { code: codes[0]!.toLowerCase() });
    assert.deepEqual([again.status, again.body.error.code], [409, 'RECHARGE_CARD_USED']);
    const unknown = await api('POST', '/api/billing/recharge', adminA.token, { code: 'ABCDE-FGHJK-LMNPQ-RSTUV' });
    assert.deepEqual([unknown.status, unknown.body.error.code], [404, 'RECHARGE_CARD_NOT_FOUND']);
    await stack.cp.db.query('UPDATE recharge_cards SET expiry_date = NOW() - INTERVAL 1 DAY WHERE batch_id = ?', [batchId]);
    const expired = await api('POST', '/api/billing/recharge', adminA.token, { code: codes[1] });
    assert.deepEqual([expired.status, expired.body.error.code], [410, 'RECHARGE_CARD_EXPIRED']);
    assert.equal(await balanceOf(a.code), balance);
  });

  it('when a teacher calls the billing routes, then each is refused 403 by the tenant app without reaching the control plane', async () => {
    const { codes } = await cards(1);
    const before = proxy.state.billingCalls;
    for (const [method, path, body] of [
      ['GET', '/api/billing/account'],
      ['GET', '/api/billing/transactions'],
      ['GET', '/api/billing/bills'],
      ['GET', '/api/billing/usage'],
      ['POST', '/api/billing/recharge', { code: codes[0] }],
    ] as Array<[string, string, unknown?]>) {
      const res = await api(method, path, teacherA.token, body);
      assert.deepEqual([res.status, res.body.error.code], [403, 'FORBIDDEN'], `${method} ${path}`);
    }
    assert.equal(proxy.state.billingCalls, before, 'no billing call reached the control plane');
    // And the control plane refuses a teacher's redeem itself.
    const direct = await http('POST', `${stack.cp.url}/api/v1/billing/recharge`, { headers: tenantHeader(a.code), token: teacherA.token, body: { code: codes[0] } });
    assert.equal(direct.status, 403);
  });

  it("when a user of tenant A calls on B's host, with B's header or with A's scoped token there, then B's balance is never shown", async () => {
    const viaHost = await requestWithHost(`${stack.url}/api/billing/account`, `${b.code}.kg.test`, { token: adminA.token });
    assert.equal(viaHost.status, 403, JSON.stringify(viaHost.body));
    const scopedViaHost = await requestWithHost(`${stack.url}/api/billing/account`, `${b.code}.kg.test`, { token: adminA.scopedToken });
    assert.equal(scopedViaHost.status, 403);
    const viaHeader = await api('GET', '/api/billing/account', adminA.token, undefined, b.code);
    assert.equal(viaHeader.status, 403);
    // Own host, another tenant's header: refused as ambiguous, not answered for either.
    const mixed = await requestWithHost(`${stack.url}/api/billing/account`, `${a.code}.kg.test`, { token: adminA.token, headers: tenantHeader(b.code) });
    assert.equal(mixed.status, 400);
    const { codes } = await cards(1);
    const redeem = await api('POST', '/api/billing/recharge', adminA.token, { code: codes[0] }, b.code);
    assert.equal(redeem.status, 403);
    for (const res of [viaHost, scopedViaHost, viaHeader, mixed]) assert.ok(!JSON.stringify(res.body).includes('987.65'));
    // B's own admin on B's host sees B's balance.
    const own = await requestWithHost(`${stack.url}/api/billing/account`, `${b.code}.kg.test`, { token: adminB.token });
    assert.deepEqual([own.status, own.body.data.balance], [200, 987.65]);
    assert.equal(await balanceOf(b.code), 987.65);
  });

  it('when bodies or queries are hostile, then the tenant app refuses them with a field error before relaying', async () => {
    const before = proxy.state.billingCalls;
    for (const [method, path, body, field] of [
      ['POST', '/api/billing/recharge', { code: "ABCDE' OR '1'='1" }, 'code'],
      ['POST', '/api/billing/recharge', { code: 'A'.repeat(5000) }, 'code'],
      ['POST', '/api/billing/recharge', { code: ['ABCDE-FGHJK-LMNPQ-RSTUV'] }, 'code'],
      ['POST', '/api/billing/recharge', { code: 'ABCDE-FGHJK-LMNPQ-RSTUV', tenantCode: b.code }, '(body)'],
      ['POST', '/api/billing/recharge', {}, 'code'],
      ['GET', `/api/billing/account?tenantCode=${b.code}`, undefined, '(body)'],
      ['GET', '/api/billing/transactions?limit=100000', undefined, 'limit'],
      ['GET', '/api/billing/transactions?before=1%20OR%201=1', undefined, 'before'],
      ['GET', '/api/billing/usage?from=../../admin', undefined, 'from'],
      ['GET', '/api/billing/bills?limit=1&limit=2', undefined, 'limit'],
    ] as Array<[string, string, unknown, string]>) {
      const res = await api(method, path, adminA.token, body);
      assert.equal(res.status, 400, `${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
      assert.ok(res.body.error.details.some((d: { field: string }) => d.field === field), `${path}: ${JSON.stringify(res.body.error.details)}`);
    }
    assert.equal(proxy.state.billingCalls, before, 'nothing hostile reached the control plane');
  });

  it('when a tenant admin keeps guessing codes, then after RATE_LIMIT_REDEEM_FAILURES failures every redeem answers 429, here and at the control plane', async () => {
    const limit = stack.cp.config.RATE_LIMIT_REDEEM_FAILURES;
    for (let i = 0; i < limit; i++) {
      const res = await api('POST', '/api/billing/recharge', adminC.token, { code: `GUESS-${String(i).padStart(5, '0')}-AAAAA-BBBBB` }, c.code);
      assert.equal(res.status, 404, JSON.stringify(res.body));
    }
    const { batchId, codes } = await cards(1);
    const blocked = await api('POST', '/api/billing/recharge', adminC.token, { code: codes[0] }, c.code);
    assert.deepEqual([blocked.status, blocked.body.error.code], [429, 'RATE_LIMITED']);
    const direct = await http('POST', `${stack.cp.url}/api/v1/billing/recharge`, { headers: tenantHeader(c.code), token: adminC.token, body: { code: codes[0] } });
    assert.equal(direct.status, 429);
    assert.ok(Number(blocked.headers.get('retry-after')) > 0, 'Retry-After is relayed');
    assert.ok(Number(direct.headers.get('retry-after')) > 0);
    assert.equal(await balanceOf(c.code), 0, 'even a valid code is not redeemed while blocked');
    const [[card]] = await stack.cp.db.query<RowDataPacket[]>('SELECT status FROM recharge_cards WHERE batch_id = ?', [batchId]);
    assert.equal(card!.status, 'unused');
    // Another tenant's admin is not affected.
    assert.equal((await api('POST', '/api/billing/recharge', adminA.token, { code: codes[0] })).status, 200);
  });

  it('when thirty guesses are sent at the same moment, then no more than RATE_LIMIT_REDEEM_FAILURES of them reach the cards', async () => {
    const limit = stack.cp.config.RATE_LIMIT_REDEEM_FAILURES;
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => api('POST', '/api/billing/recharge', adminD.token, { code: `RACE${String(i).padStart(2, '0')}-AAAAA-BBBBB-CCCCC` }, d.code)),
    );
    const statuses = answers.map((r) => r.status);
    assert.ok(statuses.every((s) => s === 404 || s === 429), statuses.join(','));
    assert.equal(statuses.filter((s) => s === 404).length, limit, 'exactly the limit was looked up');
  });
});
