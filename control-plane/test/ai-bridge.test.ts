import assert from 'node:assert/strict';
import { createLogger, listen } from '@kg/shared';
import { http } from '@kg/shared/testing';
import { createApp } from '../src/http/app';
import { buildContext, closeContext } from '../src/internal/build-context';
import { addModel, aiTenant, ledger, setTenantModel, type AiTenant } from './helpers/ai-fixtures';
import { rows } from './helpers/auth-fixtures';
import { startControlPlane, type TestControlPlane } from './helpers/harness';
import { startAiProviderStub, type AiProviderStub } from './stubs/ai-provider.stub';

const messages = [{ role: 'user', content: 'Plan an open day' }];

describe('AI bridge: model choice, breaker, charging, limits', function () {
  this.timeout(60_000);
  let cp: TestControlPlane;
  let stubA: AiProviderStub;
  let stubB: AiProviderStub;
  let admin: string;
  let alpha: number;
  let beta: number;
  const chat = (t: AiTenant, body: Record<string, unknown> = {}, headers = t.headers) =>
    http('POST', `${cp.url}/api/v1/ai/bridge/chat`, { token: t.token, headers, body: { messages, ...body } });

  before(async () => {
    stubA = await startAiProviderStub();
    stubB = await startAiProviderStub();
    cp = await startControlPlane('aibridge', { AI_BREAKER_FAILURES: '2', AI_BREAKER_COOLDOWN_MS: '400', AI_PROVIDER_MAX_RETRIES: '0', AI_PROVIDER_BACKOFF_MS: '1' });
    admin = await cp.superAdminToken();
    alpha = await addModel(cp, admin, { name: 'alpha', endpointUrl: `${stubA.url}/v1`, isDefault: true });
    beta = await addModel(cp, admin, { name: 'beta', provider: 'anthropic', endpointUrl: stubB.url });
  });
  after(async () => {
    await cp?.close();
    await stubA?.close();
    await stubB?.close();
  });
  beforeEach(() => {
    stubA.set({});
    stubB.set({});
  });

  it('when a user asks the bridge what the tenant app sends, then it answers message, model and usage and charges exactly that cost', async () => {
    const t = await aiTenant(cp);
    const res = await chat(t, { temperature: 0.3, max_tokens: 64, stream: false });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.data.message, 'Hello from the stub.');
    assert.equal(res.body.data.model, 'alpha');
    assert.deepEqual(
      { i: res.body.data.usage.inputTokens, o: res.body.data.usage.outputTokens, t: res.body.data.usage.totalTokens, c: res.body.data.usage.cost },
      { i: 12, o: 5, t: 17, c: 0.00022 },
    );
    assert.equal(stubA.requests.at(-1)!.body.max_tokens, 64);
    const l = await ledger(cp, t);
    assert.deepEqual(l, { balance: '99.999780', costs: '0.000220', calls: 1, txSum: '-0.000220', txCount: 1 });
  });

  it('when the tenant has no model settings, then the global default answers', async () => {
    const t = await aiTenant(cp);
    assert.equal((await chat(t, { model: 'beta' })).body.data.model, 'alpha', 'beta is not enabled for this tenant');
  });

  it('when the tenant enabled models, then the requested one answers if enabled, else the highest priority', async () => {
    const t = await aiTenant(cp);
    await setTenantModel(cp, admin, t.tenantCode, alpha, { enabled: true, priority: 1 });
    await setTenantModel(cp, admin, t.tenantCode, beta, { enabled: true, priority: 10 });
    assert.equal((await chat(t)).body.data.model, 'beta');
    assert.equal((await chat(t, { model: 'alpha' })).body.data.model, 'alpha');
    assert.equal((await chat(t, { model: 'no-such-model' })).body.data.model, 'beta');
    await setTenantModel(cp, admin, t.tenantCode, beta, { enabled: false });
    assert.equal((await chat(t, { model: 'beta' })).body.data.model, 'alpha');
    const listed = await http('GET', `${cp.url}/api/v1/ai/bridge/models`, { token: t.token, headers: t.headers });
    assert.deepEqual(listed.body.data.items.filter((m: any) => m.kind === 'chat').map((m: any) => m.name), ['alpha']);
  });

  it('when a model keeps failing, then the next one answers, its breaker opens, skips it, and a half-open trial closes it again', async () => {
    const t = await aiTenant(cp);
    await setTenantModel(cp, admin, t.tenantCode, alpha, { enabled: true, priority: 1 });
    await setTenantModel(cp, admin, t.tenantCode, beta, { enabled: true, priority: 10 });
    stubB.set({ failStatus: 503 });
    for (let i = 0; i < 2; i++) assert.equal((await chat(t)).body.data.model, 'alpha', 'falls back while beta fails');
    const tried = stubB.requests.length;
    assert.equal((await chat(t)).body.data.model, 'alpha');
    assert.equal(stubB.requests.length, tried, 'the open breaker skips beta without calling it');
    const metrics = await (await fetch(`${cp.url}/metrics`)).text();
    assert.match(metrics, new RegExp(`ai_breaker_state\\{model="${beta}"[^}]*\\} 2`));
    await new Promise((r) => setTimeout(r, 450));
    stubB.set({});
    assert.equal((await chat(t)).body.data.model, 'beta', 'the half-open trial succeeds and closes the breaker');
    assert.equal((await chat(t)).body.data.model, 'beta');
    const failures = await rows<any>(cp, "SELECT COUNT(*) AS n FROM ai_service_call_logs WHERE tenant_id = ? AND status = 'error'", [t.tenantId]);
    assert.equal(Number(failures[0].n), 2, 'failed attempts are logged, uncharged');
    const l = await ledger(cp, t);
    assert.equal(l.txSum, `-${l.costs}`);
  });

  it('when every model fails, then 503 without the provider body or key, and nothing is charged', async () => {
    const t = await aiTenant(cp);
    stubA.set({ failStatus: 500 });
    const res = await chat(t);
    assert.equal(res.status, 503);
    assert.ok(!JSON.stringify(res.body).includes('sk-test-key') && !JSON.stringify(res.body).includes('upstream secret'));
    assert.equal((await ledger(cp, t)).txCount, 0);
  });

  it('when balance plus credit limit is exhausted, then 402 before any provider call', async () => {
    const t = await aiTenant(cp, { balance: '-5', creditLimit: '5' });
    const before = stubA.requests.length;
    const res = await chat(t);
    assert.equal(res.status, 402);
    assert.equal(res.body.error.code, 'PAYMENT_REQUIRED');
    assert.equal(stubA.requests.length, before);
  });

  it('when the same request id is sent twice, then the second is refused 409 and charged nothing', async () => {
    const t = await aiTenant(cp);
    assert.equal((await chat(t, { requestId: 'abc-1' })).status, 200);
    const again = await chat(t, { requestId: 'abc-1' });
    assert.equal(again.status, 409);
    const l = await ledger(cp, t);
    assert.equal(l.calls, 1);
    assert.equal(l.txCount, 1);
  });

  it("when a caller names another tenant, uses an admin token or sends hostile input, then 403, 401 and 400", async () => {
    const t = await aiTenant(cp);
    const other = await aiTenant(cp);
    assert.equal((await chat(t, {}, other.headers)).status, 403);
    assert.equal((await http('POST', `${cp.url}/api/v1/ai/bridge/chat`, { token: admin, headers: t.headers, body: { messages } })).status, 401);
    const bad = await chat(t, { messages: [{ role: 'tool', content: 'x' }], temperature: 9, model: "x'; DROP TABLE tenants; --" });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.error.details.map((d: any) => d.field).sort(), ['messages.0.role', 'model', 'temperature']);
    assert.equal((await chat(t, { messages: [] })).status, 400);
    assert.equal((await chat(t, {}, {})).status, 400, 'no tenant chosen');
    assert.equal((await ledger(cp, other)).txCount, 0);
  });

  it('when the month quota is reached, then 402 AI_QUOTA_EXCEEDED', async () => {
    await cp.db.query("UPDATE billing_rules SET monthly_ai_tokens = 30 WHERE plan_type = 'premium'");
    const t = await aiTenant(cp, { planType: 'premium' });
    assert.equal((await chat(t)).status, 200);
    assert.equal((await chat(t)).status, 200);
    const over = await chat(t);
    assert.equal(over.status, 402);
    assert.equal(over.body.error.code, 'AI_QUOTA_EXCEEDED');
  });

  it('when two instances serve one tenant, then they share its rate limit and the next call gets 429 with Retry-After', async () => {
    await cp.db.query("UPDATE billing_rules SET ai_rate_limit_per_minute = 3 WHERE plan_type = 'standard'");
    const t = await aiTenant(cp, { planType: 'standard' });
    const ctx2 = await buildContext(cp.config, createLogger('second', 'silent'));
    const second = await listen(createApp(ctx2), 0, '127.0.0.1');
    try {
      const via = (url: string) => http('POST', `${url}/api/v1/ai/bridge/chat`, { token: t.token, headers: t.headers, body: { messages } });
      assert.equal((await via(cp.url)).status, 200);
      assert.equal((await via(second.url)).status, 200);
      assert.equal((await via(cp.url)).status, 200);
      const limited = await via(second.url);
      assert.equal(limited.status, 429);
      assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    } finally {
      await second.close(100);
      await closeContext(ctx2);
    }
  });
});
