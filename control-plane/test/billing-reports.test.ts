import assert from 'node:assert/strict';
import { http } from '@kg/shared/testing';
import { aiTenant, type AiTenant } from './helpers/ai-fixtures';
import { rows } from './helpers/auth-fixtures';
import { startControlPlane, type TestControlPlane } from './helpers/harness';

describe('billing reports: usage, bills and transactions for a tenant user', function () {
  this.timeout(60_000);
  let cp: TestControlPlane;
  let admin: string;
  let a: AiTenant;
  let b: AiTenant;
  let modelId = 0;
  const get = (path: string, t: { token: string; headers?: Record<string, string> }) => http('GET', `${cp.url}${path}`, { token: t.token, headers: t.headers });

  const summaryRow = (t: AiTenant, date: string, calls: number, inp: number, out: number, cost: string) =>
    cp.db.query(
      `INSERT INTO tenant_ai_usage_summary (tenant_id, model_id, date, total_calls, total_input_tokens, total_output_tokens, total_cost, average_response_time, success_rate, error_count)
       VALUES (?, ?, ?, ?, ?, ?, ?, 120, 1, 0)`,
      [t.tenantId, modelId, date, calls, inp, out, cost],
    );
  const bill = (t: AiTenant, start: string, end: string, total: string) =>
    cp.db.query("INSERT INTO billing_records (tenant_id, period_start, period_end, base_fee, overage_fee, total_amount, details) VALUES (?, ?, ?, 99, 0, ?, '{\"planType\":\"basic\"}')", [
      t.tenantCode,
      start,
      end,
      total,
    ]);

  before(async () => {
    cp = await startControlPlane('billrep');
    admin = await cp.superAdminToken();
    a = await aiTenant(cp, { role: 'admin' });
    b = await aiTenant(cp, { role: 'admin' });
    await cp.db.query("INSERT INTO ai_model_config (name, display_name, provider, endpoint_url) VALUES ('rep-model', 'Rep', 'openai', 'http://127.0.0.1:1')");
    modelId = Number((await rows<any>(cp, "SELECT id FROM ai_model_config WHERE name = 'rep-model'"))[0].id);
    await summaryRow(a, '2026-01-10', 3, 1000, 500, '0.123456');
    await summaryRow(a, '2026-01-11', 2, 200, 100, '0.000001');
    await summaryRow(a, '2026-02-01', 1, 1, 1, '0.000002');
    await summaryRow(b, '2026-01-10', 99, 99_999, 99_999, '9.999999');
    await bill(a, '2025-12-01', '2025-12-31', '99.0000');
    await bill(a, '2026-01-01', '2026-01-31', '100.0769');
    await bill(b, '2026-01-01', '2026-01-31', '799.0000');
    for (let i = 1; i <= 25; i++) {
      await cp.db.query("INSERT INTO tenant_balance_transactions (tenant_id, type, amount, balance_after, reference) VALUES (?, 'charge', '-0.000001', ?, ?)", [
        a.tenantCode,
        String(100 - i / 1_000_000),
        `${a.tenantCode}:t${i}`,
      ]);
    }
    await cp.db.query("INSERT INTO tenant_balance_transactions (tenant_id, type, amount, balance_after, reference) VALUES (?, 'recharge', '5', '105', 'card:b')", [b.tenantCode]);
  });
  after(async () => {
    await cp?.close();
  });

  it('when a user reads usage for January, then the days and models of its own tenant come with exact totals', async () => {
    const res = await get('/api/v1/billing/usage?from=2026-01-01&to=2026-01-31', a);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const d = res.body.data;
    assert.deepEqual(d.days.map((x: any) => [x.date, x.model, x.calls]), [['2026-01-10', 'rep-model', 3], ['2026-01-11', 'rep-model', 2]]);
    assert.deepEqual(d.totals, { calls: 5, inputTokens: 1200, outputTokens: 600, cost: '0.123457' });
    const dflt = await get('/api/v1/billing/usage', a);
    assert.equal(dflt.body.data.from, `${new Date().toISOString().slice(0, 7)}-01`);
  });

  it('when the range is reversed, too long or not a date, then 400', async () => {
    assert.equal((await get('/api/v1/billing/usage?from=2026-02-01&to=2026-01-01', a)).status, 400);
    assert.equal((await get('/api/v1/billing/usage?from=2024-01-01&to=2026-01-01', a)).status, 400);
    assert.equal((await get('/api/v1/billing/usage?from=2026-02-30', a)).status, 400);
    assert.equal((await get('/api/v1/billing/transactions?limit=0', a)).status, 400);
  });

  it('when a user lists bills, then its tenant bills come newest first, one page at a time', async () => {
    const first = await get('/api/v1/billing/bills?limit=1', a);
    assert.equal(first.status, 200);
    assert.deepEqual(first.body.data.items.map((x: any) => [x.periodStart, x.totalAmount]), [['2026-01-01', '100.0769']]);
    assert.equal(first.body.data.items[0].details.planType, 'basic');
    const second = await get(`/api/v1/billing/bills?limit=1&before=${first.body.data.nextBefore}`, a);
    assert.deepEqual(second.body.data.items.map((x: any) => x.periodStart), ['2025-12-01']);
    const third = await get(`/api/v1/billing/bills?limit=1&before=${second.body.data.nextBefore}`, a);
    assert.deepEqual([third.body.data.items, third.body.data.nextBefore], [[], null]);
  });

  it('when a user pages through 25 transactions by 10, then it sees each of its own exactly once, newest first', async () => {
    const seen: string[] = [];
    let before: number | null = null;
    const sizes: number[] = [];
    do {
      const res = await get(`/api/v1/billing/transactions?limit=10${before ? `&before=${before}` : ''}`, a);
      assert.equal(res.status, 200);
      sizes.push(res.body.data.items.length);
      seen.push(...res.body.data.items.map((x: any) => x.reference));
      before = res.body.data.nextBefore;
    } while (before !== null && sizes.length < 5);
    assert.deepEqual(sizes, [10, 10, 5]);
    assert.equal(new Set(seen).size, 25);
    assert.equal(seen[0], `${a.tenantCode}:t25`);
    assert.ok(seen.every((r) => r.startsWith(`${a.tenantCode}:`)));
  });

  it("when a user names another tenant in the header or its scoped token, or an admin token calls, then it is refused and sees nothing", async () => {
    const scoped = (await http('POST', `${cp.url}/api/auth/switch-tenant`, { token: a.token, body: { tenantCode: a.tenantCode } })).body.data.token;
    for (const path of ['/api/v1/billing/usage?from=2026-01-01&to=2026-01-31', '/api/v1/billing/bills', '/api/v1/billing/transactions']) {
      const other = await get(path, { token: a.token, headers: b.headers });
      assert.equal(other.status, 403, path);
      assert.ok(!JSON.stringify(other.body).includes('799') && !JSON.stringify(other.body).includes('card:b'));
      assert.equal((await get(path, { token: scoped, headers: b.headers })).status, 403, path);
      assert.equal((await get(path, { token: scoped })).status, 200, path);
      assert.ok([401, 403].includes((await get(path, { token: admin, headers: b.headers })).status), path);
      assert.equal((await http('GET', `${cp.url}${path}`, { headers: a.headers })).status, 401, path);
    }
  });
});
