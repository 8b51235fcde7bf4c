import assert from 'node:assert/strict';
import { addModel, aiTenant, ledger } from './helpers/ai-fixtures';
import { rows } from './helpers/auth-fixtures';
import { startControlPlane, type TestControlPlane } from './helpers/harness';
import { startAiProviderStub, type AiProviderStub } from './stubs/ai-provider.stub';

const messages = [{ role: 'user', content: 'Tell a story' }];

/** Reads a bridge SSE answer; `stopAfter` deltas, then drops the connection. */
async function streamChat(url: string, token: string, headers: Record<string, string>, stopAfter = Infinity) {
  const ctl = new AbortController();
  const res = await fetch(`${url}/api/v1/ai/bridge/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
    body: JSON.stringify({ messages, stream: true }),
    signal: ctl.signal,
  });
  const events: any[] = [];
  let deltas = 0;
  let buffer = '';
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += Buffer.from(chunk).toString('utf8');
      let i: number;
      while ((i = buffer.indexOf('\n\n')) >= 0) {
        const data = buffer.slice(0, i).replace(/^data: /, '');
        buffer = buffer.slice(i + 2);
        events.push(data === '[DONE]' ? '[DONE]' : JSON.parse(data));
        if (events.at(-1).type === 'delta' && ++deltas >= stopAfter) ctl.abort();
      }
    }
  } catch (err) {
    if (!ctl.signal.aborted) throw err;
  }
  return { status: res.status, contentType: res.headers.get('content-type'), events };
}

describe('AI bridge: streaming and concurrency', function () {
  this.timeout(120_000);
  let cp: TestControlPlane;
  let stub: AiProviderStub;

  before(async () => {
    stub = await startAiProviderStub();
    cp = await startControlPlane('aistream');
    const admin = await cp.superAdminToken();
    await addModel(cp, admin, { name: 'streamer', endpointUrl: `${stub.url}/v1`, isDefault: true, inputPricePer1k: 0.013, outputPricePer1k: 0.037 });
  });
  after(async () => {
    await cp?.close();
    await stub?.close();
  });

  it('when a chat streams, then deltas arrive as events, done carries usage, and it is charged once at the end', async () => {
    stub.set({});
    const t = await aiTenant(cp);
    const r = await streamChat(cp.url, t.token, t.headers);
    assert.equal(r.status, 200);
    assert.match(r.contentType!, /text\/event-stream/);
    const deltas = r.events.filter((e) => e.type === 'delta').map((e) => e.content);
    assert.deepEqual(deltas, ['Hello', ' from', ' the', ' stub', '.']);
    const done = r.events.find((e) => e.type === 'done');
    assert.deepEqual([done.usage.inputTokens, done.usage.outputTokens], [12, 5]);
    assert.equal(r.events.at(-1), '[DONE]');
    const l = await ledger(cp, t);
    assert.equal(l.calls, 1);
    assert.equal(l.txCount, 1);
    assert.equal(l.txSum, `-${l.costs}`);
    assert.equal(l.costs, '0.000341');
  });

  it('when the client disconnects mid-stream, then the upstream call stops and only what was produced is charged', async () => {
    stub.set({ words: Array.from({ length: 100 }, (_, i) => `word${i} `), chunkDelayMs: 15 });
    const aborted = stub.abortedStreams;
    const t = await aiTenant(cp);
    const r = await streamChat(cp.url, t.token, t.headers, 3);
    assert.ok(r.events.filter((e) => e.type === 'delta').length >= 3);
    let log: any[] = [];
    for (let i = 0; i < 50 && !log.length; i++) {
      await new Promise((res) => setTimeout(res, 50));
      log = await rows<any>(cp, 'SELECT output_tokens, metadata FROM ai_service_call_logs WHERE tenant_id = ?', [t.tenantId]);
    }
    assert.equal(log.length, 1, 'charged once');
    assert.ok(log[0].output_tokens > 0 && log[0].output_tokens < 100, `charged for ${log[0].output_tokens} tokens`);
    const meta = typeof log[0].metadata === 'string' ? JSON.parse(log[0].metadata) : log[0].metadata;
    assert.equal(meta.clientDisconnected, true);
    assert.equal(stub.abortedStreams, aborted + 1, 'the upstream stream was closed');
    const l = await ledger(cp, t);
    assert.equal(l.txSum, `-${l.costs}`);
  });

  it('when 200 calls hit one tenant at once, then the balance change equals the sum of call costs exactly', async () => {
    stub.set({});
    const t = await aiTenant(cp, { planType: 'enterprise', balance: '50' });
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        fetch(`${cp.url}/api/v1/ai/bridge/chat`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${t.token}`, ...t.headers },
          body: JSON.stringify({ messages: [{ role: 'user', content: `question ${i}` }] }),
        }).then((r) => r.status),
      ),
    );
    assert.deepEqual([...new Set(results)], [200]);
    const l = await ledger(cp, t);
    assert.equal(l.calls, 200);
    assert.equal(l.txCount, 200);
    assert.equal(l.costs, '0.068200');
    assert.equal(l.txSum, '-0.068200');
    assert.equal(l.balance, '49.931800');
    const chain = await rows<any>(cp, 'SELECT CAST(amount AS CHAR) a, CAST(balance_after AS CHAR) b FROM tenant_balance_transactions WHERE tenant_id = ? ORDER BY id', [t.tenantCode]);
    let running = 50_000_000;
    for (const x of chain) {
      running += Math.round(Number(x.a) * 1e6);
      assert.equal(Math.round(Number(x.b) * 1e6), running, 'each balance_after follows the previous one');
    }
  });
});
