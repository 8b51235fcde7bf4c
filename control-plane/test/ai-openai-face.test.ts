import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { addModel, aiTenant, ledger } from './helpers/ai-fixtures';
import { startControlPlane, type TestControlPlane } from './helpers/harness';
import { startAiProviderStub, type AiProviderStub } from './stubs/ai-provider.stub';

describe('AI bridge: the OpenAI-compatible face, used by the official openai client', function () {
  this.timeout(60_000);
  let cp: TestControlPlane;
  let stub: AiProviderStub;

  before(async () => {
    stub = await startAiProviderStub();
    cp = await startControlPlane('aiface');
    const admin = await cp.superAdminToken();
    await addModel(cp, admin, { name: 'face-chat', endpointUrl: `${stub.url}/v1`, isDefault: true });
    await addModel(cp, admin, { name: 'face-embed', endpointUrl: `${stub.url}/v1`, modelType: 'embedding' });
  });
  after(async () => {
    await cp?.close();
    await stub?.close();
  });

  const client = (token: string, tenantCode: string) =>
    new OpenAI({ apiKey: token, baseURL: `${cp.url}/api/v1/ai/openai/v1`, defaultHeaders: { 'x-tenant-code': tenantCode }, maxRetries: 0 });

  it('when the openai client asks chat completions, streamed and not, then it reads answers and usage, and each call is charged', async () => {
    const t = await aiTenant(cp);
    const ai = client(t.token, t.tenantCode);
    const done = await ai.chat.completions.create({ model: 'face-chat', messages: [{ role: 'user', content: 'Hi' }] });
    assert.equal(done.choices[0]!.message.content, 'Hello from the stub.');
    assert.equal(done.usage!.total_tokens, 17);
    const stream = await ai.chat.completions.create({ model: 'face-chat', messages: [{ role: 'user', content: 'Hi' }], stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    assert.equal(text, 'Hello from the stub.');
    const l = await ledger(cp, t);
    assert.equal(l.calls, 2);
    assert.equal(l.txSum, `-${l.costs}`);
  });

  it('when the openai client asks embeddings and models, then it gets vectors and the tenant models', async () => {
    const t = await aiTenant(cp);
    const ai = client(t.token, t.tenantCode);
    const e = await ai.embeddings.create({ model: 'face-embed', input: ['ab', 'abcd'] });
    assert.deepEqual(e.data.map((d) => d.embedding[0]), [2, 4]);
    const models = [];
    for await (const m of ai.models.list()) models.push(m.id);
    assert.deepEqual(models.sort(), ['face-chat', 'face-embed']);
  });

  it('when the key is not a valid token or names another tenant, then the openai client gets 401 and 403 errors', async () => {
    const t = await aiTenant(cp);
    const other = await aiTenant(cp);
    await assert.rejects(client('not-a-token', t.tenantCode).models.list(), (err: any) => err.status === 401);
    await assert.rejects(
      client(t.token, other.tenantCode).chat.completions.create({ messages: [{ role: 'user', content: 'x' }], model: 'face-chat' }),
      (err: any) => err.status === 403 && typeof err.error?.message === 'string',
    );
  });
});
