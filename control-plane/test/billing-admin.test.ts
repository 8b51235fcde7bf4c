import assert from 'node:assert/strict';
import { http } from '@kg/shared/testing';
import { addModel, aiTenant, ledger, setTenantModel } from './helpers/ai-fixtures';
import { rows } from './helpers/auth-fixtures';
import { startControlPlane, type TestControlPlane } from './helpers/harness';
import { auditRows, roleTokens, type RoleTokens } from './helpers/operator-fixtures';
import { startAiProviderStub, type AiProviderStub } from './stubs/ai-provider.stub';

describe('billing for operators: account, transactions, adjustments, card batches, AI usage', function () {
  this.timeout(90_000);
  let cp: TestControlPlane;
  let stub: AiProviderStub;
  let tokens: RoleTokens;
  let modelId: number;
  const adjust = (code: string, body: unknown, token = tokens.admin, headers: Record<string, string> = {}) =>
    http('POST', `${cp.url}/api/tenants/${code}/billing/adjustments`, { token, body, headers });

  before(async () => {
    stub = await startAiProviderStub();
    cp = await startControlPlane('billadmin', { AI_PROVIDER_MAX_RETRIES: '0' });
    tokens = await roleTokens(cp);
    modelId = await addModel(cp, tokens.superAdmin, { name: 'gamma', endpointUrl: `${stub.url}/v1`, isDefault: true, inputPricePer1k: 0.013, outputPricePer1k: 0.029 });
  });
  after(async () => {
    await cp?.close();
    await stub?.close();
  });

  it('when an admin adjusts a balance, then one adjustment with the balance after is booked and audited with who, amount and reason', async () => {
    const t = await aiTenant(cp, { balance: '10' });
    const res = await adjust(t.tenantCode, { amount: -2.35, reason: 'Refund of a duplicate card' });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.data.replayed, false);
    assert.deepEqual([res.body.data.transaction.type, res.body.data.transaction.amount, res.body.data.transaction.balanceAfter], ['adjustment', '-2.350000', '7.650000']);
    assert.equal(res.body.data.transaction.description, 'Refund of a duplicate card');
    const l = await ledger(cp, t);
    assert.deepEqual([l.balance, l.txCount], ['7.650000', 1]);
    const audit = (await auditRows(cp, 'tenant.balance_adjustment')).filter((a) => a.tenant_code === t.tenantCode);
    assert.equal(audit.length, 1);
    assert.equal(String(audit[0]!.actor_id), String(tokens.ids.admin));
    assert.equal(audit[0]!.actor_type, 'admin');
    assert.deepEqual(audit[0]!.before_data, { balance: '10.000000' });
    assert.deepEqual(audit[0]!.after_data, { balance: '7.650000', amount: '-2.35', reason: 'Refund of a duplicate card', transactionId: res.body.data.transaction.id });

    const account = await http('GET', `${cp.url}/api/tenants/${t.tenantCode}/billing/account`, { token: tokens.operator });
    assert.equal(account.status, 200);
    assert.equal(account.body.data.balance, '7.650000');
    const txs = await http('GET', `${cp.url}/api/tenants/${t.tenantCode}/billing/transactions`, { token: tokens.operator });
    assert.equal(txs.body.data.items[0].id, res.body.data.transaction.id);
  });

  it('when a read-only operator or a tenant user adjusts, then 403 / 401 and nothing is booked', async () => {
    const t = await aiTenant(cp, { role: 'admin', balance: '5' });
    assert.equal((await adjust(t.tenantCode, { amount: 100, reason: 'x' }, tokens.operator)).status, 403);
    assert.equal((await adjust(t.tenantCode, { amount: 100, reason: 'x' }, tokens.user)).status, 401);
    assert.equal((await adjust(t.tenantCode, { amount: 100, reason: 'x' }, t.token)).status, 401);
    assert.equal((await http('POST', `${cp.url}/api/tenants/${t.tenantCode}/billing/adjustments`, { body: { amount: 100, reason: 'x' } })).status, 401);
    assert.equal((await http('GET', `${cp.url}/api/tenants/${t.tenantCode}/billing/transactions`, { token: t.token })).status, 401);
    assert.deepEqual([(await ledger(cp, t)).balance, (await ledger(cp, t)).txCount], ['5.000000', 0]);
  });

  it('when the amount or reason is hostile, then 400 on that field; an unknown tenant 404; a deleted one 410; nothing is booked', async () => {
    const t = await aiTenant(cp, { balance: '5' });
    const bad: Array<[unknown, string]> = [
      [{ amount: 'NaN', reason: 'r' }, 'amount'],
      [{ amount: null, reason: 'r' }, 'amount'],
      [{ amount: '12.50', reason: 'r' }, 'amount'],
      [{ amount: 0, reason: 'r' }, 'amount'],
      [{ amount: 1.005, reason: 'r' }, 'amount'],
      [{ amount: 1_000_000.01, reason: 'r' }, 'amount'],
      [{ amount: -1e308, reason: 'r' }, 'amount'],
      [{ amount: 5 }, 'reason'],
      [{ amount: 5, reason: '   ' }, 'reason'],
      [{ amount: 5, reason: 'x'.repeat(501) }, 'reason'],
    ];
    for (const [body, field] of bad) {
      const res = await adjust(t.tenantCode, body);
      assert.equal(res.status, 400, `${JSON.stringify(body)} -> ${res.status}`);
      assert.ok(res.body.error.details.some((d: any) => d.field === field), JSON.stringify(res.body));
    }
    // JSON.parse reads 1e400 as Infinity: refused like any other out-of-range amount.
    const huge = await adjust(t.tenantCode, '{"amount": 1e400, "reason": "r"}');
    assert.equal(huge.status, 400, JSON.stringify(huge.body));
    assert.equal((await adjust(t.tenantCode, { amount: 1, reason: 'r' }, tokens.admin, { 'idempotency-key': 'short' })).status, 400);
    assert.equal((await adjust('k-nope', { amount: 1, reason: 'r' })).status, 404);
    assert.equal((await http('GET', `${cp.url}/api/tenants/k-nope/billing/account`, { token: tokens.operator })).body.error.code, 'TENANT_NOT_FOUND');
    const gone = await aiTenant(cp);
    await cp.db.query("UPDATE tenants SET status = 'deleted' WHERE tenant_id = ?", [gone.tenantCode]);
    assert.equal((await adjust(gone.tenantCode, { amount: 1, reason: 'r' })).status, 410);
    assert.equal((await ledger(cp, t)).txCount, 0);
    assert.equal((await auditRows(cp, 'tenant.balance_adjustment')).filter((a) => a.tenant_code === t.tenantCode).length, 0);
  });

  it('when the same Idempotency-Key is sent five times at once, then one adjustment is booked and every answer names it; another amount with it is 409', async () => {
    const t = await aiTenant(cp, { balance: '0' });
    const headers = { 'idempotency-key': `adj-${t.tenantCode}-0001` };
    const results = await Promise.all(Array.from({ length: 5 }, () => adjust(t.tenantCode, { amount: 12.5, reason: 'Goodwill' }, tokens.admin, headers)));
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 200, 200, 200, 201]);
    assert.equal(new Set(results.map((r) => r.body.data.transaction.id)).size, 1);
    const l = await ledger(cp, t);
    assert.deepEqual([l.balance, l.txSum, l.txCount], ['12.500000', '12.500000', 1]);
    const other = await adjust(t.tenantCode, { amount: 13, reason: 'Goodwill' }, tokens.admin, headers);
    assert.equal(other.status, 409);
    assert.equal(other.body.error.code, 'IDEMPOTENCY_KEY_REUSED');
    assert.equal((await auditRows(cp, 'tenant.balance_adjustment')).filter((a) => a.tenant_code === t.tenantCode).length, 1);
  });

  it('when adjustments and AI charges run at once, then the transactions sum to the balance change and each balance_after follows the one before', async () => {
    const t = await aiTenant(cp, { balance: '3' });
    await setTenantModel(cp, tokens.superAdmin, t.tenantCode, modelId, { enabled: true, priority: 1 });
    const chats = Array.from({ length: 12 }, () =>
      http('POST', `${cp.url}/api/v1/ai/bridge/chat`, { token: t.token, headers: t.headers, body: { messages: [{ role: 'user', content: 'Plan a picnic' }] } }),
    );
    const adjustments = Array.from({ length: 12 }, (_, i) => adjust(t.tenantCode, { amount: i % 2 ? 1.11 : -0.37, reason: `concurrency ${i}` }));
    const results = await Promise.all([...chats, ...adjustments]);
    const charged = results.slice(0, 12).filter((r) => r.status === 200).length;
    assert.ok(charged > 0, JSON.stringify(results[0]!.body));
    assert.deepEqual(results.slice(12).map((r) => r.status), Array(12).fill(201));
    const l = await ledger(cp, t);
    assert.equal(l.txCount, charged + 12);
    const start = 3_000_000;
    const micros = (s: string) => Math.round(Number(s) * 1_000_000);
    assert.equal(micros(l.balance) - start, micros(l.txSum), 'sum of transactions = balance change');
    assert.equal(micros(l.txSum), 6 * 1_110_000 - 6 * 370_000 - micros(l.costs), 'adjustments minus call costs');
    const chain = await rows<any>(cp, 'SELECT CAST(amount AS CHAR) AS a, CAST(balance_after AS CHAR) AS b FROM tenant_balance_transactions WHERE tenant_id = ? ORDER BY id', [t.tenantCode]);
    let running = start;
    for (const tx of chain) {
      running += micros(tx.a);
      assert.equal(micros(tx.b), running);
    }
  });

  it('when operators list card batches, then count, value, expiry and redeemed show and no code does', async () => {
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const made = await http('POST', `${cp.url}/api/recharge-cards/batches`, { token: tokens.admin, body: { value: 0.29, count: 3, expiresAt } });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const t = await aiTenant(cp, { role: 'admin' });
    const redeem = await http('POST', `${cp.url}/api/v1/billing/recharge`, { token: t.token, headers: t.headers, body: { code: made.body.data.codes[0] } });
    assert.equal(redeem.status, 200);
    const list = await http('GET', `${cp.url}/api/recharge-cards/batches?pageSize=5`, { token: tokens.operator });
    assert.equal(list.status, 200);
    const b = list.body.data.items.find((x: any) => x.batchId === made.body.data.batchId);
    assert.deepEqual([b.value, b.count, b.redeemed, b.expiresAt], ['0.29', 3, 1, expiresAt]);
    const text = JSON.stringify(list.body);
    for (const code of made.body.data.codes) assert.ok(!text.includes(code));
    assert.equal((await http('GET', `${cp.url}/api/recharge-cards/batches`, { token: tokens.user })).status, 401);
  });

  it('when operators read AI usage, then calls, tokens and cost per day and model match the call log, across tenants and for one', async () => {
    const t = await aiTenant(cp, { balance: '50' });
    await setTenantModel(cp, tokens.superAdmin, t.tenantCode, modelId, { enabled: true, priority: 1 });
    for (let i = 0; i < 3; i++) {
      const r = await http('POST', `${cp.url}/api/v1/ai/bridge/chat`, { token: t.token, headers: t.headers, body: { messages: [{ role: 'user', content: 'hi' }] } });
      assert.equal(r.status, 200);
    }
    const one = await http('GET', `${cp.url}/api/billing/ai-usage?days=7&tenantCode=${t.tenantCode}`, { token: tokens.operator });
    assert.equal(one.status, 200, JSON.stringify(one.body));
    assert.equal(one.body.data.days.length, 7);
    const today = one.body.data.days[6];
    assert.equal(today.date, new Date().toISOString().slice(0, 10));
    const [log] = await rows<any>(cp, 'SELECT COUNT(*) AS n, SUM(total_tokens) AS tk, CAST(SUM(cost) AS CHAR) AS c FROM ai_service_call_logs WHERE tenant_id = ?', [t.tenantId]);
    assert.deepEqual([today.calls, today.tokens, today.cost], [3, Number(log.tk), log.c]);
    assert.deepEqual(one.body.data.models.map((m: any) => [m.model, m.calls]), [['gamma', 3]]);
    const all = await http('GET', `${cp.url}/api/billing/ai-usage`, { token: tokens.operator });
    assert.equal(all.body.data.days.length, 30);
    assert.ok(all.body.data.days[29].calls >= 3);
    assert.equal((await http('GET', `${cp.url}/api/billing/ai-usage?days=91`, { token: tokens.operator })).status, 400);
    assert.equal((await http('GET', `${cp.url}/api/billing/ai-usage?tenantCode=k-nope`, { token: tokens.operator })).status, 404);
    assert.equal((await http('GET', `${cp.url}/api/billing/ai-usage`, { token: t.token })).status, 401);
  });

  it('when bills are settled, then issued -> overdue -> paid moves the account status with them, is audited, a paid bill is final, and operators may only read', async () => {
    const t = await aiTenant(cp);
    const insertBill = async (periodStart: string, periodEnd: string) => {
      const [res] = await cp.db.query<any>(
        "INSERT INTO billing_records (tenant_id, period_start, period_end, base_fee, overage_fee, total_amount, status) VALUES (?, ?, ?, 99, 0.5, 99.5, 'issued')",
        [t.tenantCode, periodStart, periodEnd],
      );
      return Number(res.insertId);
    };
    const oct = await insertBill('2026-10-01', '2026-10-31');
    const nov = await insertBill('2026-11-01', '2026-11-30');
    const settle = (id: number, status: unknown, token = tokens.admin, code = t.tenantCode) =>
      http('PATCH', `${cp.url}/api/tenants/${code}/billing/bills/${id}`, { token, body: { status } });
    const paymentStatus = async () => (await rows<any>(cp, 'SELECT payment_status FROM tenant_accounts WHERE tenant_id = ?', [t.tenantCode]))[0].payment_status;

    const list = await http('GET', `${cp.url}/api/tenants/${t.tenantCode}/billing/bills`, { token: tokens.operator });
    assert.deepEqual(list.body.data.items.map((b: any) => [b.id, b.status]), [[nov, 'issued'], [oct, 'issued']]);
    assert.equal((await settle(oct, 'paid', tokens.operator)).status, 403);
    assert.equal((await settle(oct, 'void')).status, 400);
    assert.equal((await settle(oct, 'paid', tokens.admin, 'k-nope')).status, 404);
    const other = await aiTenant(cp);
    assert.equal((await settle(oct, 'paid', tokens.admin, other.tenantCode)).body.error.code, 'BILL_NOT_FOUND');

    assert.equal((await settle(oct, 'overdue')).body.data.status, 'overdue');
    assert.equal((await settle(nov, 'overdue')).status, 200);
    assert.equal(await paymentStatus(), 'overdue');
    assert.equal((await settle(oct, 'paid')).body.data.status, 'paid');
    assert.equal(await paymentStatus(), 'overdue', 'November is still overdue');
    assert.equal((await settle(nov, 'paid')).status, 200);
    assert.equal(await paymentStatus(), 'normal');
    assert.equal((await settle(nov, 'paid')).status, 200, 'repeating the status is harmless');
    const final = await settle(nov, 'overdue');
    assert.equal(final.status, 409);
    assert.equal(final.body.error.code, 'BILL_STATUS_CONFLICT');
    const audit = (await auditRows(cp, 'billing_record.settle')).filter((a) => a.tenant_code === t.tenantCode);
    assert.deepEqual(audit.map((a) => [Number(a.target_id), a.before_data.status, a.after_data.status]), [
      [oct, 'issued', 'overdue'],
      [nov, 'issued', 'overdue'],
      [oct, 'overdue', 'paid'],
      [nov, 'overdue', 'paid'],
    ]);
  });
});
