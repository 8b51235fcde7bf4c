import assert from 'node:assert/strict';
import { createLogger, listen, publishTenantAccessChange } from '@kg/shared';
import { http } from '@kg/shared/testing';
import { createApp } from '../src/http/app';
import { buildContext, closeContext } from '../src/internal/build-context';
import type { AppContext } from '../src/context';
import { addModel, aiTenant, setTenantModel, type AiTenant } from './helpers/ai-fixtures';
import { startControlPlane, type TestControlPlane } from './helpers/harness';
import { startAiProviderStub, type AiProviderStub } from './stubs/ai-provider.stub';

const messages = [{ role: 'user', content: 'Plan an open day' }];

/**
 * The bridge keeps callers, plans, models and model settings in memory (docs/ai-billing.md,
 * "Bridge overhead"). These tests warm that memory with an allowed call first, then change the
 * thing behind it and expect the very next call to see the change, on this instance and another.
 */
describe('AI bridge: what it keeps in memory never outlives a change', function () {
  this.timeout(60_000);
  let cp: TestControlPlane;
  let stub: AiProviderStub;
  let admin: string;
  let alpha: number;
  let beta: number;
  let ctx2: AppContext;
  let second: { url: string; close(): Promise<void> };
  const chat = (url: string, t: AiTenant) => http('POST', `${url}/api/v1/ai/bridge/chat`, { token: t.token, headers: t.headers, body: { messages } });
  /**
   * Runs a change that is announced, then waits until both instances received the announcement:
   * Redis delivers it a moment after the publish returns, and "the next call" means the next one
   * after that moment (the production promise is "within a second").
   */
  async function announced<T>(change: () => Promise<T>): Promise<T> {
    const before = [cp.ctx.bridgeDirectory.messages, ctx2.bridgeDirectory.messages];
    const result = await change();
    const deadline = Date.now() + 2_000;
    while (cp.ctx.bridgeDirectory.messages <= before[0]! || ctx2.bridgeDirectory.messages <= before[1]!) {
      assert.ok(Date.now() < deadline, 'the change was not announced to both instances within 2 s');
      await new Promise((r) => setTimeout(r, 5));
    }
    return result;
  }

  before(async () => {
    stub = await startAiProviderStub();
    cp = await startControlPlane('aicache');
    admin = await cp.superAdminToken();
    alpha = await addModel(cp, admin, { name: 'alpha', endpointUrl: `${stub.url}/v1`, isDefault: true });
    beta = await addModel(cp, admin, { name: 'beta', endpointUrl: `${stub.url}/v1` });
    // A second instance on the same database and Redis: it only learns of changes by announcement.
    ctx2 = await buildContext(cp.config, createLogger('second', 'silent'));
    second = await listen(createApp(ctx2), 0, '127.0.0.1');
  });
  after(async () => {
    await second?.close();
    if (ctx2) await closeContext(ctx2);
    await cp?.close();
    await stub?.close();
  });

  it('when a tenant is suspended after calls were allowed, then both instances refuse the next call at once, and allow it after activation', async () => {
    const t = await aiTenant(cp);
    assert.equal((await chat(cp.url, t)).status, 200);
    assert.equal((await chat(second.url, t)).status, 200);
    assert.equal((await announced(() => http('POST', `${cp.url}/api/tenants/${t.tenantCode}/suspend`, { token: admin }))).status, 200);
    for (const url of [cp.url, second.url]) {
      const refused = await chat(url, t);
      assert.equal(refused.status, 403, url);
      assert.equal(refused.body.error.code, 'TENANT_SUSPENDED');
    }
    assert.equal((await http('POST', `${cp.url}/api/tenants/${t.tenantCode}/activate`, { token: admin })).status, 200);
    assert.equal((await chat(second.url, t)).status, 200);
  });

  it("when a user's binding is disabled and announced after calls were allowed, then the next call on either instance is refused 403", async () => {
    const t = await aiTenant(cp);
    assert.equal((await chat(cp.url, t)).status, 200);
    assert.equal((await chat(second.url, t)).status, 200);
    // What the staff and user services do: commit, then announce on the tenant-access channel.
    await cp.db.query("UPDATE global_user_tenant_relations SET status = 'disabled' WHERE global_user_id = ? AND tenant_code = ?", [t.globalUserId, t.tenantCode]);
    await announced(() => publishTenantAccessChange(cp.ctx.redis, cp.config.REDIS_KEY_PREFIX, t.tenantCode, t.globalUserId));
    for (const url of [second.url, cp.url]) {
      const refused = await chat(url, t);
      assert.equal(refused.status, 403, url);
      assert.equal(refused.body.error.code, 'NOT_BOUND_TO_TENANT');
    }
  });

  it("when the tenant's plan changes, then the new plan's token quota applies to the next call on either instance", async () => {
    await cp.db.query("UPDATE billing_rules SET monthly_ai_tokens = 30 WHERE plan_type = 'premium'");
    const t = await aiTenant(cp, { planType: 'enterprise' });
    for (const url of [cp.url, second.url, cp.url]) assert.equal((await chat(url, t)).status, 200, 'enterprise has room');
    assert.equal((await announced(() => http('PUT', `${cp.url}/api/tenants/${t.tenantCode}/plan`, { token: admin, body: { planType: 'premium' } }))).status, 200);
    for (const url of [second.url, cp.url]) {
      const over = await chat(url, t);
      assert.equal(over.status, 402, url);
      assert.equal(over.body.error.code, 'AI_QUOTA_EXCEEDED');
    }
  });

  it("when an operator switches a model off or changes a tenant's settings, then the next call on either instance follows", async () => {
    const t = await aiTenant(cp);
    await setTenantModel(cp, admin, t.tenantCode, alpha, { enabled: true, priority: 1 });
    await setTenantModel(cp, admin, t.tenantCode, beta, { enabled: true, priority: 10 });
    assert.equal((await chat(cp.url, t)).body.data.model, 'beta');
    assert.equal((await chat(second.url, t)).body.data.model, 'beta');
    assert.equal((await announced(() => http('PATCH', `${cp.url}/api/ai/models/${beta}`, { token: admin, body: { status: 'inactive' } }))).status, 200);
    assert.equal((await chat(second.url, t)).body.data.model, 'alpha', 'the inactive model is not tried');
    assert.equal((await announced(() => http('PATCH', `${cp.url}/api/ai/models/${beta}`, { token: admin, body: { status: 'active' } }))).status, 200);
    assert.equal((await chat(second.url, t)).body.data.model, 'beta');
    await announced(() => setTenantModel(cp, admin, t.tenantCode, beta, { enabled: false }));
    assert.equal((await chat(second.url, t)).body.data.model, 'alpha', 'the switched-off model is not tried');
  });

  it('when a binding is disabled behind the API (SQL, no announcement), then calls are refused once AI_BRIDGE_CACHE_TTL_MS passed', async () => {
    const ctx3 = await buildContext({ ...cp.config, AI_BRIDGE_CACHE_TTL_MS: 300 }, createLogger('third', 'silent'));
    const third = await listen(createApp(ctx3), 0, '127.0.0.1');
    try {
      const t = await aiTenant(cp);
      assert.equal((await chat(third.url, t)).status, 200);
      await cp.db.query("UPDATE global_user_tenant_relations SET status = 'disabled' WHERE global_user_id = ? AND tenant_code = ?", [t.globalUserId, t.tenantCode]);
      await new Promise((r) => setTimeout(r, 350));
      const refused = await chat(third.url, t);
      assert.equal(refused.status, 403);
      assert.equal(refused.body.error.code, 'NOT_BOUND_TO_TENANT');
    } finally {
      await third.close();
      await closeContext(ctx3);
    }
  });

  it('when a refusal was answered, then it is not kept: a user bound a moment later is let in at once', async () => {
    const t = await aiTenant(cp);
    await cp.db.query("UPDATE global_user_tenant_relations SET status = 'disabled' WHERE global_user_id = ? AND tenant_code = ?", [t.globalUserId, t.tenantCode]);
    assert.equal((await chat(second.url, t)).status, 403);
    // Behind the API on purpose: no announcement, so only a refusal that was not kept lets this through.
    await cp.db.query("UPDATE global_user_tenant_relations SET status = 'active' WHERE global_user_id = ? AND tenant_code = ?", [t.globalUserId, t.tenantCode]);
    assert.equal((await chat(second.url, t)).status, 200);
  });
});
