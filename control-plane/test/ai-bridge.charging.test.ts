import assert from 'node:assert/strict';
import { createLogger, listen, type PoolConnection } from '@kg/shared';
import { http } from '@kg/shared/testing';
import { createApp } from '../src/http/app';
import { buildContext, closeContext } from '../src/internal/build-context';
import { addModel, aiTenant, ledger, type AiTenant } from './helpers/ai-fixtures';
import { startControlPlane, type TestControlPlane } from './helpers/harness';
import { startAiProviderStub, type AiProviderStub } from './stubs/ai-provider.stub';

const messages = [{ role: 'user', content: 'Plan a picnic' }];

/**
 * When the charge is committed (docs/ai-billing.md): the answer goes out first, the charge is
 * committed right after by the charge queue. These tests hold the tenant's account row locked
 * from another connection, so a charge cannot commit, and watch what the bridge does meanwhile.
 */
describe('AI bridge: answered first, charged right after', function () {
  this.timeout(120_000);
  let cp: TestControlPlane;
  let stub: AiProviderStub;

  before(async () => {
    stub = await startAiProviderStub();
    cp = await startControlPlane('aicharge', { AI_CHARGE_RETRY_MS: '50' });
    const admin = await cp.superAdminToken();
    await addModel(cp, admin, { name: 'charged', endpointUrl: `${stub.url}/v1`, isDefault: true });
  });
  after(async () => {
    await cp?.close();
    await stub?.close();
  });

  const chat = (t: AiTenant, body: Record<string, unknown> = {}, url = cp.url) =>
    http('POST', `${url}/api/v1/ai/bridge/chat`, { token: t.token, headers: t.headers, body: { messages, ...body } });

  /** Locks the tenant's account row in a transaction of its own until `release()`. */
  async function lockAccount(t: AiTenant): Promise<{ release: () => Promise<void>; conn: PoolConnection }> {
    const conn = await cp.db.getConnection();
    await conn.query('START TRANSACTION');
    await conn.query('SELECT balance FROM tenant_accounts WHERE tenant_id = ? FOR UPDATE', [t.tenantCode]);
    return {
      conn,
      release: async () => {
        await conn.query('ROLLBACK');
        conn.release();
      },
    };
  }

  /** The ledger as the database holds it right now (no waiting for pending charges). */
  async function committed(t: AiTenant) {
    const [[a]] = (await cp.db.query('SELECT CAST(balance AS CHAR) AS b FROM tenant_accounts WHERE tenant_id = ?', [t.tenantCode])) as any;
    const [[c]] = (await cp.db.query('SELECT COUNT(*) AS n FROM ai_service_call_logs WHERE tenant_id = ?', [t.tenantId])) as any;
    return { balance: String(a.b), calls: Number(c.n) };
  }

  it('when the charge cannot commit yet, then the call is answered anyway, and charged exactly once the account is free', async () => {
    stub.set({});
    const t = await aiTenant(cp, { balance: '100' });
    const lock = await lockAccount(t);
    try {
      const res = await chat(t, { requestId: 'picnic-1' });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.ok(res.body.data.usage.cost > 0);
      assert.equal(cp.ctx.aiCharges.pending, 1);
      assert.deepEqual(await committed(t), { balance: '100.000000', calls: 0 });
      // The same request id while its charge is pending is still a duplicate.
      const again = await chat(t, { requestId: 'picnic-1' });
      assert.equal(again.status, 409);
      assert.equal(again.body.error.code, 'DUPLICATE_REQUEST');
    } finally {
      await lock.release();
    }
    const l = await ledger(cp, t); // waits for pending charges
    assert.equal(l.calls, 1);
    assert.equal(l.txCount, 1);
    assert.equal(l.costs, l.txSum.replace('-', ''));
    assert.equal(Number(l.balance), 100 - Number(l.costs));
  });

  it('when an answered call is not committed yet, then the next call counts its cost and tokens: 402 at the balance, quota at the tokens', async () => {
    stub.set({});
    // What one call costs, learned on another tenant (same model, same messages, same usage).
    const probe = await aiTenant(cp, { balance: '100' });
    const first = await chat(probe);
    assert.equal(first.status, 200);
    const cost = first.body.data.usage.cost as number;
    const tokens = first.body.data.usage.totalTokens as number;
    const t = await aiTenant(cp, { balance: cost.toFixed(6) });
    const lock = await lockAccount(t);
    try {
      assert.equal((await chat(t)).status, 200);
      const providerCalls = stub.requests.length;
      // The database still says the balance covers a call; the pending charge says it does not.
      assert.equal((await committed(t)).balance, cost.toFixed(6));
      const refused = await chat(t);
      assert.equal(refused.status, 402, JSON.stringify(refused.body));
      assert.equal(refused.body.error.code, 'PAYMENT_REQUIRED');
      assert.equal(stub.requests.length, providerCalls, 'refused before the provider is called');
    } finally {
      await lock.release();
    }
    const l = await ledger(cp, t);
    assert.equal(l.calls, 1);
    assert.equal(Number(l.balance), 0);
    assert.equal((await chat(t)).status, 402);

    // The month's token quota: one call's tokens, the second call refused while the first is pending.
    await cp.db.query("UPDATE billing_rules SET monthly_ai_tokens = ? WHERE plan_type = 'premium'", [tokens]);
    const q = await aiTenant(cp, { balance: '100', planType: 'premium' });
    const qLock = await lockAccount(q);
    try {
      assert.equal((await chat(q)).status, 200);
      const over = await chat(q);
      assert.equal(over.status, 402);
      assert.equal(over.body.error.code, 'AI_QUOTA_EXCEEDED');
    } finally {
      await qLock.release();
    }
  });

  it('when the commit fails, then it is retried until it lands, and the call is charged once', async () => {
    stub.set({});
    const t = await aiTenant(cp, { balance: '100' });
    const retriedBefore = await attempts('retried');
    await cp.db.query('RENAME TABLE tenant_balance_transactions TO tenant_balance_transactions_away');
    try {
      const res = await chat(t);
      assert.equal(res.status, 200);
      // Wait until the queue has failed and retried at least twice.
      for (let i = 0; i < 100 && (await attempts('retried')) < retriedBefore + 2; i++) await new Promise((r) => setTimeout(r, 50));
      assert.ok((await attempts('retried')) >= retriedBefore + 2, 'the failing commit was retried');
      assert.deepEqual(await committed(t), { balance: '100.000000', calls: 0 }, 'a failed commit wrote nothing');
    } finally {
      await cp.db.query('RENAME TABLE tenant_balance_transactions_away TO tenant_balance_transactions');
    }
    const l = await ledger(cp, t);
    assert.equal(l.calls, 1);
    assert.equal(l.txCount, 1);
    assert.equal(Number(l.balance), 100 - Number(l.costs));
  });

  it('when the control plane stops with a charge pending, then the stop waits for it and it lands', async () => {
    stub.set({});
    const t = await aiTenant(cp, { balance: '100' });
    const ctx2 = await buildContext(cp.config, createLogger('stopping', 'silent'));
    const second = await listen(createApp(ctx2), 0, '127.0.0.1');
    const lock = await lockAccount(t);
    let stopped = false;
    let stopping: Promise<void> | undefined;
    try {
      assert.equal((await chat(t, {}, second.url)).status, 200);
      await second.close(1000);
      stopping = closeContext(ctx2).then(() => {
        stopped = true;
      });
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(stopped, false, 'the stop waits for the pending charge');
    } finally {
      await lock.release();
    }
    await stopping;
    assert.equal(stopped, true);
    const l = await ledger(cp, t);
    assert.equal(l.calls, 1);
    assert.equal(Number(l.balance), 100 - Number(l.costs));
  });

  it('when calls are charged, then the period token counter the quota check reads equals the call log', async () => {
    stub.set({});
    const t = await aiTenant(cp, { balance: '100' });
    for (let i = 0; i < 3; i++) assert.equal((await chat(t)).status, 200);
    await cp.ctx.aiCharges.idle();
    const [[log]] = (await cp.db.query("SELECT SUM(total_tokens) AS n FROM ai_service_call_logs WHERE tenant_id = ? AND status = 'success'", [t.tenantId])) as any;
    const [[counter]] = (await cp.db.query('SELECT tokens, period_start FROM tenant_ai_token_usage WHERE tenant_id = ?', [t.tenantId])) as any;
    assert.ok(Number(log.n) > 0);
    assert.equal(Number(counter.tokens), Number(log.n));
  });

  async function attempts(outcome: string): Promise<number> {
    const text = await (await fetch(`${cp.url}/metrics`)).text();
    const m = new RegExp(`^ai_charge_attempts_total\\{outcome="${outcome}"[^}]*\\} (\\d+)`, 'm').exec(text);
    return m ? Number(m[1]) : 0;
  }
});
