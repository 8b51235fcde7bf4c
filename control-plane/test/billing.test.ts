import assert from 'node:assert/strict';
import { http } from '@kg/shared/testing';
import { aiTenant, ledger } from './helpers/ai-fixtures';
import { rows } from './helpers/auth-fixtures';
import { startControlPlane, type TestControlPlane } from './helpers/harness';

describe('billing: plans, plan changes, recharge cards, account', function () {
  this.timeout(60_000);
  let cp: TestControlPlane;
  let admin: string;
  const batch = async (body: Record<string, unknown>) => http('POST', `${cp.url}/api/recharge-cards/batches`, { token: admin, body });
  const future = () => new Date(Date.now() + 86_400_000).toISOString();

  before(async () => {
    cp = await startControlPlane('billing');
    admin = await cp.superAdminToken();
  });
  after(async () => {
    await cp?.close();
  });

  it('when anyone signed in lists plans, then the four plans come with quotas; without a token 401', async () => {
    const t = await aiTenant(cp);
    const res = await http('GET', `${cp.url}/api/plans`, { token: t.token });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.data.items.map((p: any) => p.planType), ['basic', 'standard', 'premium', 'enterprise']);
    assert.equal((await http('GET', `${cp.url}/api/plans`, { token: admin })).status, 200);
    assert.equal((await http('GET', `${cp.url}/api/plans`)).status, 401);
  });

  it('when an admin changes a tenant plan, then limits and credit apply at once and the change is audited', async () => {
    const t = await aiTenant(cp);
    const res = await http('PUT', `${cp.url}/api/tenants/${t.tenantCode}/plan`, { token: admin, body: { planType: 'premium' } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const [tenant] = await rows<any>(cp, 'SELECT plan_type, max_users FROM tenants WHERE tenant_id = ?', [t.tenantCode]);
    assert.deepEqual([tenant.plan_type, tenant.max_users], ['premium', 500]);
    const [acct] = await rows<any>(cp, 'SELECT credit_limit FROM tenant_accounts WHERE tenant_id = ?', [t.tenantCode]);
    assert.equal(Number(acct.credit_limit), 1000);
    const audit = await rows<any>(cp, "SELECT * FROM audit_logs WHERE action = 'tenant.plan_change' AND tenant_code = ?", [t.tenantCode]);
    assert.equal(audit.length, 1);
    assert.equal((await http('PUT', `${cp.url}/api/tenants/${t.tenantCode}/plan`, { token: admin, body: { planType: 'gold' } })).status, 400);
  });

  it('when a batch is generated, then codes are returned once and stored only hashed', async () => {
    const res = await batch({ value: 50, count: 3, expiresAt: future() });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.data.codes.length, 3);
    const stored = await rows<any>(cp, 'SELECT code FROM recharge_cards WHERE batch_id = ?', [res.body.data.batchId]);
    for (const s of stored) assert.ok(!res.body.data.codes.includes(s.code) && /^[0-9a-f]{64}$/.test(s.code));
  });

  it('when one code is redeemed eight times at once, then exactly one succeeds and the other gets 409', async () => {
    const t = await aiTenant(cp, { role: 'admin', balance: '0' });
    const [code] = (await batch({ value: 25.5, count: 1, expiresAt: future() })).body.data.codes;
    const results = await Promise.all(
      Array.from({ length: 8 }, () => http('POST', `${cp.url}/api/v1/billing/recharge`, { token: t.token, headers: t.headers, body: { code } })),
    );
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 409, 409, 409, 409, 409, 409, 409]);
    const l = await ledger(cp, t);
    assert.deepEqual([l.balance, l.txSum, l.txCount], ['25.500000', '25.500000', 1]);
    const account = await http('GET', `${cp.url}/api/v1/billing/account`, { token: t.token, headers: t.headers });
    assert.equal(account.body.data.balance, 25.5);
    assert.equal(account.body.data.transactions[0].type, 'recharge');
    assert.equal(account.body.data.transactions[0].balanceAfter, '25.500000');
  });

  it('when a card expired, then 410; an unknown code 404; a viewer 403; another tenant header 403', async () => {
    const t = await aiTenant(cp, { role: 'admin' });
    const [code] = (await batch({ value: 10, count: 1, expiresAt: new Date(Date.now() + 1500).toISOString() })).body.data.codes;
    await new Promise((r) => setTimeout(r, 1600));
    const expired = await http('POST', `${cp.url}/api/v1/billing/recharge`, { token: t.token, headers: t.headers, body: { code } });
    assert.equal(expired.status, 410);
    assert.equal((await http('POST', `${cp.url}/api/v1/billing/recharge`, { token: t.token, headers: t.headers, body: { code: 'AAAAA-BBBBB-CCCCC-DDDDD' } })).status, 404);
    const viewer = await aiTenant(cp, { role: 'viewer' });
    const [fresh] = (await batch({ value: 10, count: 1, expiresAt: future() })).body.data.codes;
    assert.equal((await http('POST', `${cp.url}/api/v1/billing/recharge`, { token: viewer.token, headers: viewer.headers, body: { code: fresh } })).status, 403);
    assert.equal((await http('POST', `${cp.url}/api/v1/billing/recharge`, { token: t.token, headers: viewer.headers, body: { code: fresh } })).status, 403);
    const [card] = await rows<any>(cp, "SELECT status FROM recharge_cards WHERE status = 'unused' ORDER BY id DESC LIMIT 1");
    assert.equal(card.status, 'unused');
  });
});
