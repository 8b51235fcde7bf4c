import assert from 'node:assert/strict';
import { AnthropicClient } from '../src/modules/ai-bridge/providers/anthropic.provider';
import { OpenAiCompatibleClient } from '../src/modules/ai-bridge/providers/openai.provider';
import { ProviderError } from '../src/modules/ai-bridge/providers/provider-http';
import { startAiProviderStub, STUB_INPUT_TOKENS, type AiProviderStub } from './stubs/ai-provider.stub';

const OPTS = { timeoutMs: 500, maxRetries: 2, backoffMs: 5 };
const KEY = 'sk-very-secret-key';
const messages = [
  { role: 'system' as const, content: 'Be brief.' },
  { role: 'user' as const, content: 'Hi' },
];

describe('AI providers against stubs speaking their wire protocols', () => {
  let stub: AiProviderStub;
  const openai = new OpenAiCompatibleClient(OPTS);
  const anthropic = new AnthropicClient(OPTS);
  const oa = () => ({ endpointUrl: `${stub.url}/v1`, apiKey: KEY, model: 'gpt-stub' });
  const an = () => ({ endpointUrl: stub.url, apiKey: KEY, model: 'claude-stub' });

  beforeEach(async () => {
    stub = await startAiProviderStub();
  });
  afterEach(async () => {
    await stub.close();
  });

  it('when an OpenAI-compatible chat is asked, then the key is a bearer token and usage is the provider figures', async () => {
    const r = await openai.chat(oa(), { messages, temperature: 0.2, maxTokens: 50 });
    assert.equal(r.text, 'Hello from the stub.');
    assert.deepEqual(r.usage, { inputTokens: STUB_INPUT_TOKENS, outputTokens: 5 });
    assert.equal(r.usageReported, true);
    const req = stub.requests[0]!;
    assert.equal(req.path, '/v1/chat/completions');
    assert.equal(req.headers.authorization, `Bearer ${KEY}`);
    assert.equal(req.body.max_tokens, 50);
  });

  it('when an OpenAI-compatible chat streams, then deltas arrive in order and the usage chunk before [DONE] counts', async () => {
    const deltas: string[] = [];
    const r = await openai.chatStream(oa(), { messages }, (d) => deltas.push(d));
    assert.deepEqual(deltas, ['Hello', ' from', ' the', ' stub', '.']);
    assert.equal(r.aborted, false);
    assert.deepEqual(r.usage, { inputTokens: STUB_INPUT_TOKENS, outputTokens: 5 });
    assert.equal(stub.requests[0]!.body.stream_options.include_usage, true);
  });

  it('when the provider reports no usage, then tokens are estimated', async () => {
    stub.set({ noUsage: true });
    const r = await openai.chat(oa(), { messages });
    assert.equal(r.usageReported, false);
    assert.ok(r.usage.inputTokens > 0 && r.usage.outputTokens > 0);
  });

  it('when embeddings are asked, then vectors come back in input order with usage', async () => {
    const r = await openai.embed(oa(), { texts: ['a', 'bbb'] });
    assert.deepEqual(r.vectors.map((v) => v[0]), [1, 3]);
    assert.equal(r.usage.inputTokens, 6);
  });

  it('when Anthropic messages are asked, then system is top-level, headers are x-api-key and anthropic-version', async () => {
    const r = await anthropic.chat(an(), { messages });
    assert.equal(r.text, 'Hello from the stub.');
    assert.deepEqual(r.usage, { inputTokens: STUB_INPUT_TOKENS, outputTokens: 5 });
    const req = stub.requests[0]!;
    assert.equal(req.path, '/v1/messages');
    assert.equal(req.headers['x-api-key'], KEY);
    assert.equal(req.headers['anthropic-version'], '2023-06-01');
    assert.equal(req.body.system, 'Be brief.');
    assert.deepEqual(req.body.messages, [{ role: 'user', content: 'Hi' }]);
    assert.equal(req.body.max_tokens, 1024);
  });

  it('when Anthropic streams, then text deltas arrive and usage comes from message_start and message_delta', async () => {
    const deltas: string[] = [];
    const r = await anthropic.chatStream(an(), { messages }, (d) => deltas.push(d));
    assert.equal(deltas.join(''), 'Hello from the stub.');
    assert.deepEqual(r.usage, { inputTokens: STUB_INPUT_TOKENS, outputTokens: 5 });
    assert.equal(r.usageReported, true);
  });

  it('when the provider answers 429 twice then succeeds, then the call is retried and succeeds', async () => {
    stub.set({ failStatus: 429, failTimes: 2 });
    const r = await openai.chat(oa(), { messages });
    assert.equal(r.text, 'Hello from the stub.');
    assert.equal(stub.requests.length, 3);
  });

  it('when the provider keeps failing, then a ProviderError names the status and never the key or body', async () => {
    stub.set({ failStatus: 503 });
    await assert.rejects(openai.chat(oa(), { messages }), (err: unknown) => {
      assert.ok(err instanceof ProviderError);
      assert.equal(err.retryable, true);
      assert.equal(err.upstreamStatus, 503);
      const shown = JSON.stringify({ message: err.message, details: err.details });
      assert.ok(!shown.includes(KEY) && !shown.includes('upstream secret'), shown);
      return true;
    });
    assert.equal(stub.requests.length, 3, 'first try plus two retries');
  });

  it('when the provider refuses with 401, then it is not retried', async () => {
    stub.set({ failStatus: 401 });
    await assert.rejects(anthropic.chat(an(), { messages }), (err: unknown) => err instanceof ProviderError && !err.retryable);
    assert.equal(stub.requests.length, 1);
  });

  it('when the provider is slower than the timeout, then the call fails as a timeout', async () => {
    stub.set({ delayMs: 2000 });
    await assert.rejects(new OpenAiCompatibleClient({ ...OPTS, maxRetries: 0, timeoutMs: 100 }).chat(oa(), { messages }), (err: unknown) => {
      return err instanceof ProviderError && err.code === 'AI_PROVIDER_TIMEOUT';
    });
  });

  it('when the caller aborts a stream, then the upstream connection closes and what was produced is returned', async () => {
    stub.set({ words: Array.from({ length: 50 }, (_, i) => `w${i} `), chunkDelayMs: 20 });
    const ctl = new AbortController();
    const deltas: string[] = [];
    const r = await openai.chatStream(oa(), { messages, signal: ctl.signal }, (d) => {
      deltas.push(d);
      if (deltas.length === 3) ctl.abort();
    });
    assert.equal(r.aborted, true);
    assert.equal(r.text, 'w0 w1 w2 ');
    assert.ok(r.usage.outputTokens > 0 && r.usage.outputTokens < 50);
    await new Promise((res) => setTimeout(res, 100));
    assert.equal(stub.abortedStreams, 1);
  });
});
