import assert from 'node:assert/strict';
import { Queue } from 'bullmq';
import { BILLING_JOBS, QUEUES, bullPrefix, type RowDataPacket } from '@kg/shared';
import { insertTenant, rows } from '../../control-plane/test/helpers/auth-fixtures';
import { startLifecycleWorld, type LifecycleWorld } from '../../control-plane/test/helpers/lifecycle-fixture';
import { billMonth } from '../src/modules/billing/monthly-billing';
import { enqueueForPeriod, usageRollupSchedule } from '../src/modules/billing/billing.schedule';
import { previousDay } from '../src/modules/billing/period';
import { rollUpDay } from '../src/modules/billing/usage-rollup';
import { eventually, startProvisioner } from './helpers/worker-context';

describe('usage roll-up and monthly billing', function () {
  this.timeout(60_000);
  let w: LifecycleWorld;
  let p: Awaited<ReturnType<typeof startProvisioner>>;
  const ids: Record<string, number> = {};
  const codes: Record<string, string> = {};
  let model1 = 0;
  let model2 = 0;
  let seq = 0;

  const tenant = async (key: string, plan: string, createdAt: string, deletedAt: string | null = null) => {
    const code = await insertTenant(w.cp, { status: deletedAt ? 'deleted' : 'active' });
    await w.cp.db.query('UPDATE tenants SET plan_type = ?, created_at = ?, deleted_at = ? WHERE tenant_id = ?', [plan, createdAt, deletedAt, code]);
    const [t] = await rows<any>(w.cp, 'SELECT id FROM tenants WHERE tenant_id = ?', [code]);
    codes[key] = code;
    ids[key] = Number(t.id);
  };
  const call = async (key: string, modelId: number, at: string, inp: number, out: number, cost: string, rt: number, status = 'success') => {
    await w.cp.db.query(
      `INSERT INTO ai_service_call_logs (tenant_id, model_id, request_id, call_type, input_tokens, output_tokens, total_tokens, cost, response_time, status, created_at)
       VALUES (?, ?, ?, 'chat', ?, ?, ?, ?, ?, ?, ?)`,
      [ids[key], modelId, `${codes[key]}:r${++seq}`, inp, out, inp + out, cost, rt, status, at],
    );
  };
  const summary = () => rows<any>(w.cp, 'SELECT * FROM tenant_ai_usage_summary ORDER BY tenant_id, model_id, date');
  const records = () => rows<any>(w.cp, 'SELECT * FROM billing_records ORDER BY tenant_id');

  before(async () => {
    w = await startLifecycleWorld('billrun');
    p = await startProvisioner(w.provisionerEnv);
    for (const name of ['bill-m1', 'bill-m2']) {
      await w.cp.db.query(
        "INSERT INTO ai_model_config (name, display_name, provider, endpoint_url) VALUES (?, ?, 'openai', 'http://127.0.0.1:1')",
        [name, name],
      );
    }
    const models = await rows<any>(w.cp, "SELECT id FROM ai_model_config WHERE name LIKE 'bill-m%' ORDER BY name");
    model1 = Number(models[0].id);
    model2 = Number(models[1].id);
    await tenant('a', 'basic', '2025-11-01 00:00:00');
    await tenant('b', 'basic', '2025-11-01 00:00:00');
    await tenant('gone', 'basic', '2025-11-01 00:00:00', '2025-12-15 00:00:00');
    await tenant('late', 'basic', '2026-02-03 00:00:00');
    // b moved from standard to premium on 20 January: January is billed at premium.
    const [[std]] = await w.cp.db.query<RowDataPacket[]>("SELECT id FROM billing_rules WHERE plan_type = 'standard'");
    const [[prem]] = await w.cp.db.query<RowDataPacket[]>("SELECT id FROM billing_rules WHERE plan_type = 'premium'");
    await w.cp.db.query('INSERT INTO tenant_billing_rules (tenant_id, rule_id, effective_from, effective_to) VALUES (?, ?, ?, ?), (?, ?, ?, NULL)', [
      codes.b, std!.id, '2025-11-01', '2026-01-20', codes.b, prem!.id, '2026-01-20',
    ]);
    // Tenant a, 10 January: two calls and a failed one on model 1, one call on model 2.
    await call('a', model1, '2026-01-10 08:00:00', 600_000, 300_000, '1.234567', 100);
    await call('a', model1, '2026-01-10 09:00:00', 100_000, 50_000, '0.500000', 300);
    await call('a', model1, '2026-01-10 10:00:00', 0, 0, '0', 50, 'error');
    await call('a', model2, '2026-01-10 11:00:00', 1_000, 500, '0.000001', 20);
    // The last millisecond of January counts; the first of February does not.
    await call('a', model1, '2026-01-31 23:59:59.999', 2_345, 0, '0.002345', 10);
    await call('a', model1, '2026-02-01 00:00:00', 9_999_999, 0, '9.000000', 10);
    await call('gone', model1, '2026-01-05 00:00:00', 10, 10, '0.000020', 10);
  });
  after(async () => {
    await p?.close();
    await w?.close();
  });

  it('when a day is rolled up, then each tenant and model has its calls, tokens, cost, average latency and success rate', async () => {
    const res = await rollUpDay(p.ctx, '2026-01-10');
    assert.equal(res.rows, 2);
    const s = await summary();
    const m1 = s.find((r) => r.tenant_id === ids.a && r.model_id === model1);
    assert.deepEqual(
      [m1.total_calls, m1.total_input_tokens, m1.total_output_tokens, m1.total_cost, m1.average_response_time, m1.success_rate, m1.error_count],
      [3, 700_000, 350_000, 1.734567, 150, 0.6667, 1],
    );
    const m2 = s.find((r) => r.tenant_id === ids.a && r.model_id === model2);
    assert.deepEqual([m2.total_calls, m2.total_input_tokens, m2.total_output_tokens, m2.total_cost, m2.success_rate], [1, 1_000, 500, 0.000001, 1]);
  });

  it('when the roll-up runs again over the same calls, then nothing changes, not even updated_at', async () => {
    const before = JSON.stringify(await summary());
    await new Promise((r) => setTimeout(r, 20));
    assert.equal((await rollUpDay(p.ctx, '2026-01-10')).rows, 2);
    assert.equal(JSON.stringify(await summary()), before);
  });

  it('when January is billed, then each tenant gets base fee plus overage beyond its quota, the deleted and the later tenant none', async () => {
    const res = await billMonth(p.ctx, '2026-01');
    assert.deepEqual([res.tenants, res.written], [2, 2]);
    const r = await records();
    assert.deepEqual(r.map((x) => x.tenant_id).sort(), [codes.a, codes.b].sort());
    const a = r.find((x) => x.tenant_id === codes.a);
    // 900,000 + 150,000 + 1,500 + 2,345 = 1,053,845 tokens; basic allows 1,000,000; 53,845 x 0.02 / 1000 = 1.0769.
    assert.deepEqual([a.base_fee, a.overage_fee, a.total_amount, a.status], [99, 1.0769, 100.0769, 'issued']);
    assert.equal(a.period_start.toISOString().slice(0, 10), '2026-01-01');
    assert.equal(a.period_end.toISOString().slice(0, 10), '2026-01-31');
    const details = typeof a.details === 'string' ? JSON.parse(a.details) : a.details;
    assert.deepEqual(
      [details.planType, details.usedTokens, details.overageTokens, details.aiCalls, details.aiCallCost],
      ['basic', 1_053_845, 53_845, 5, '1.736913'],
    );
    const b = r.find((x) => x.tenant_id === codes.b);
    assert.deepEqual([b.base_fee, b.overage_fee, b.total_amount], [799, 0, 799]);
    // The month's last day was rolled up by the run itself.
    const last = await rows<any>(w.cp, "SELECT total_input_tokens FROM tenant_ai_usage_summary WHERE tenant_id = ? AND date = '2026-01-31'", [ids.a]);
    assert.equal(last[0].total_input_tokens, 2_345);
  });

  it('when January is billed again, then the records stay exactly as they were', async () => {
    const before = JSON.stringify(await records());
    const beforeSummary = JSON.stringify(await summary());
    const res = await billMonth(p.ctx, '2026-01');
    assert.equal(res.written, 0);
    assert.equal(JSON.stringify(await records()), before);
    assert.equal(JSON.stringify(await summary()), beforeSummary);
  });

  it('when two replicas fire the roll-up schedule at once, then one job is enqueued for the day and the worker runs it', async () => {
    const q = await startProvisioner(w.provisionerEnv, { workers: false });
    const queue = new Queue(QUEUES.billing, { connection: p.ctx.bullConnection, prefix: bullPrefix(w.cp.config.REDIS_KEY_PREFIX) });
    try {
      await Promise.all([usageRollupSchedule.run(p.ctx), usageRollupSchedule.run(q.ctx), usageRollupSchedule.run(p.ctx)]);
      const jobId = `${BILLING_JOBS.usageRollup}-${previousDay()}`;
      const job = await eventually(async () => {
        const j = await queue.getJob(jobId);
        return j && (await j.isCompleted()) ? j : null;
      }, 20_000, 'roll-up job completed');
      assert.equal(job.data.day, previousDay());
      const all = await queue.getJobs(['completed', 'failed', 'waiting', 'active', 'delayed']);
      assert.equal(all.filter((j) => j.name === BILLING_JOBS.usageRollup).length, 1);
      // The month job through the worker: January is already billed, so it writes nothing.
      assert.equal(await enqueueForPeriod(p.ctx, BILLING_JOBS.monthlyBilling, '2026-01', { month: '2026-01' }), `${BILLING_JOBS.monthlyBilling}-2026-01`);
      assert.equal(await enqueueForPeriod(q.ctx, BILLING_JOBS.monthlyBilling, '2026-01', { month: '2026-01' }), null);
      const monthJob = await eventually(async () => {
        const j = await queue.getJob(`${BILLING_JOBS.monthlyBilling}-2026-01`);
        return j && (await j.isCompleted()) ? j : null;
      }, 20_000, 'billing job completed');
      assert.deepEqual(monthJob.returnvalue, { month: '2026-01', tenants: 2, written: 0 });
    } finally {
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
      await q.close();
    }
  });
});
