/**
 * Targets (docs/ai-billing.md, "Bridge overhead"): the bridge adds at most 3 ms (p50) over
 * calling the provider directly; its first streamed token arrives at most 10 ms later than the
 * provider's; and the throughput of non-streamed calls through it, next to direct calls.
 *
 * Starts the local provider stub (OpenAI wire protocol) and a control plane in-process (test
 * harness: fresh control DB and Redis prefix) with one model on the stub and a tenant with a
 * large balance, rate and quota. Each bridge call is authenticated, rate-limited, quota-checked,
 * logged and charged like any other (the charge commits just after the answer, docs/ai-billing.md,
 * "When the charge is committed"; the ledger is read once every charge has landed). Direct and bridge calls alternate so drift hits both alike.
 * Prints a table and writes bench/results/ai-bridge.json. A measurement, never a test gate.
 *
 *   npx tsx --conditions=development bench/ai-bridge.ts
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { withTransaction } from '@kg/shared';
import { applyBalanceChange } from '../control-plane/src/modules/billing/account.repository';
import { addModel, aiTenant, ledger, type AiTenant } from '../control-plane/test/helpers/ai-fixtures';
import { startControlPlane } from '../control-plane/test/helpers/harness';
import { startAiProviderStub } from '../control-plane/test/stubs/ai-provider.stub';

const CALLS = Number(process.env.BENCH_CALLS ?? 300);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 100);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const THROUGHPUT_MS = Number(process.env.BENCH_THROUGHPUT_MS ?? 5000);
const messages = [{ role: 'user', content: 'Plan an open day for the kindergarten' }];

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
const round = (n: number) => Math.round(n * 100) / 100;
const stats = (v: number[]) => ({ count: v.length, p50Ms: round(percentile(v, 50)), p95Ms: round(percentile(v, 95)), p99Ms: round(percentile(v, 99)) });

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

/** Milliseconds from sending the request until its first streamed piece of content arrives (the stream is read to its end). */
async function firstToken(send: () => Promise<Response>, marker: string): Promise<number> {
  const t0 = performance.now();
  const res = await send();
  if (res.status !== 200) throw new Error(`stream answered ${res.status}`);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let at = -1;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    if (at < 0 && text.includes(marker)) at = performance.now() - t0;
  }
  if (at < 0) throw new Error(`no streamed content: ${text.slice(0, 300)}`);
  return at;
}

async function main(): Promise<void> {
  const stub = await startAiProviderStub();
  const cp = await startControlPlane('benchai', { LOG_LEVEL: 'silent' });
  try {
    const admin = await cp.superAdminToken();
    await addModel(cp, admin, { name: 'bench-model', endpointUrl: `${stub.url}/v1`, isDefault: true });
    await cp.db.query("UPDATE billing_rules SET ai_rate_limit_per_minute = 100000000, monthly_ai_tokens = 1000000000000 WHERE plan_type = 'enterprise'");
    const t: AiTenant = await aiTenant(cp, { balance: '1000000', planType: 'enterprise' });
    const auth = { authorization: `Bearer ${t.token}`, ...t.headers };
    const direct = () => post(`${stub.url}/v1/chat/completions`, { model: 'bench-model', messages }, { authorization: 'Bearer sk-test-key' });
    const bridged = () => post(`${cp.url}/api/v1/ai/bridge/chat`, { messages }, auth);
    const call = async (fn: () => Promise<Response>) => {
      const t0 = performance.now();
      const res = await fn();
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`answered ${res.status}`);
      return performance.now() - t0;
    };

    // Warm up: JIT, pools, keep-alive sockets, the model cache.
    for (let i = 0; i < 50; i++) {
      await call(direct);
      await call(bridged);
    }

    const directMs: number[] = [];
    const bridgeMs: number[] = [];
    for (let i = 0; i < CALLS; i++) {
      directMs.push(await call(direct));
      bridgeMs.push(await call(bridged));
    }

    const directFirst: number[] = [];
    const bridgeFirst: number[] = [];
    for (let i = 0; i < STREAMS; i++) {
      directFirst.push(await firstToken(() => post(`${stub.url}/v1/chat/completions`, { model: 'bench-model', messages, stream: true }, { authorization: 'Bearer sk-test-key' }), '"content"'));
      bridgeFirst.push(await firstToken(() => post(`${cp.url}/api/v1/ai/bridge/chat`, { messages, stream: true }, auth), '"type":"delta"'));
    }

    const throughput = async (fn: () => Promise<Response>) => {
      let done = 0;
      const until = performance.now() + THROUGHPUT_MS;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (performance.now() < until) {
            await call(fn);
            done++;
          }
        }),
      );
      return round(done / ((performance.now() - t0) / 1000));
    };
    // What one ledger transaction costs the database on this machine (an adjustment of zero, so
    // the balance does not move); the bridge commits one like it just after each answer.
    const commitMs: number[] = [];
    for (let i = 0; i < 100; i++) {
      const t0 = performance.now();
      await withTransaction(cp.db, (conn) => applyBalanceChange(conn, { tenantCode: t.tenantCode, type: 'adjustment', amount: '0', reference: `bench-${i}`, description: null, createdBy: null }));
      commitMs.push(performance.now() - t0);
    }

    const directRps = await throughput(direct);
    const bridgeRps = await throughput(bridged);
    await cp.ctx.aiCharges.idle();
    const l = await ledger(cp, t);

    const d = stats(directMs);
    const b = stats(bridgeMs);
    const df = stats(directFirst);
    const bf = stats(bridgeFirst);
    const addedP50 = round(b.p50Ms - d.p50Ms);
    const firstLater = round(bf.p50Ms - df.p50Ms);
    const result = {
      benchmark: 'ai-bridge',
      at: new Date().toISOString(),
      machine: { cpus: os.availableParallelism(), node: process.version, loadavg: os.loadavg().map(round) },
      settings: { calls: CALLS, streams: STREAMS, concurrency: CONCURRENCY, throughputMs: THROUGHPUT_MS },
      nonStreamed: { direct: d, bridge: b, addedP50Ms: addedP50, addedP95Ms: round(b.p95Ms - d.p95Ms) },
      firstStreamedToken: { direct: df, bridge: bf, laterP50Ms: firstLater, laterP95Ms: round(bf.p95Ms - df.p95Ms) },
      ledgerCommit: stats(commitMs),
      throughput: { concurrency: CONCURRENCY, directPerSecond: directRps, bridgePerSecond: bridgeRps, ratio: round(bridgeRps / directRps) },
      ledger: { calls: l.calls, costs: l.costs, transactionsSum: l.txSum, reconciles: l.costs === l.txSum.replace('-', '') },
      targets: { addedP50Ms: 3, addedP50Met: addedP50 <= 3, firstTokenLaterMs: 10, firstTokenMet: firstLater <= 10 },
    };

    console.log(`\nAI bridge vs provider stub, ${os.availableParallelism()} CPUs, load ${result.machine.loadavg.join(' ')}`);
    console.table({
      'non-streamed direct': { p50: d.p50Ms, p95: d.p95Ms, p99: d.p99Ms, 'per s': directRps },
      'non-streamed bridge': { p50: b.p50Ms, p95: b.p95Ms, p99: b.p99Ms, 'per s': bridgeRps },
      'first token direct': { p50: df.p50Ms, p95: df.p95Ms, p99: df.p99Ms, 'per s': '' },
      'first token bridge': { p50: bf.p50Ms, p95: bf.p95Ms, p99: bf.p99Ms, 'per s': '' },
    });
    console.log(`added p50 ${addedP50} ms (target <= 3: ${result.targets.addedP50Met ? 'met' : 'NOT met'}); first token ${firstLater} ms later (target <= 10: ${result.targets.firstTokenMet ? 'met' : 'NOT met'}); throughput ${result.throughput.ratio} of direct at concurrency ${CONCURRENCY}`);
    console.log(`one ledger commit (made just after each answer, not waited for): p50 ${result.ledgerCommit.p50Ms} ms, p95 ${result.ledgerCommit.p95Ms} ms`);
    console.log(`ledger: ${l.calls} calls, costs ${l.costs}, transactions ${l.txSum}\n`);

    const outDir = path.join(__dirname, 'results');
    fs.mkdirSync(outDir, { recursive: true });
    fs.writeFileSync(path.join(outDir, 'ai-bridge.json'), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await cp.close();
    await stub.close();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
