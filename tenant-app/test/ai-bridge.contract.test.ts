import assert from 'node:assert/strict';
import { AppError } from '@kg/shared';
// The real bridge lives in the control plane: this test starts it in-process with its own harness.
import { addModel, aiTenant, ledger } from '../../control-plane/test/helpers/ai-fixtures';
import { startControlPlane, type TestControlPlane } from '../../control-plane/test/helpers/harness';
import { startAiProviderStub, type AiProviderStub } from '../../control-plane/test/stubs/ai-provider.stub';
import { AiBridgeClient } from '../src/modules/ai/ai.bridge-client';
import { messageRequestId } from '../src/modules/ai/ai.service';

describe('tenant app AI client against the real control-plane bridge', function () {
  this.timeout(60_000);
  let cp: TestControlPlane;
  let stub: AiProviderStub;

  before(async () => {
    stub = await startAiProviderStub();
    cp = await startControlPlane('tabridge');
    await addModel(cp, await cp.superAdminToken(), { name: 'contract-model', endpointUrl: `${stub.url}/v1`, isDefault: true });
  });
  after(async () => {
    await cp?.close();
    await stub?.close();
  });

  it('when the tenant app sends a message twice with its request id, then it reads message, model and usage once and the retry is refused 409 without a second charge', async () => {
    const t = await aiTenant(cp);
    const client = new AiBridgeClient(cp.url, 10_000);
    const requestId = messageRequestId(7, 3, 'client-1');
    const input = { token: t.token, tenantCode: t.tenantCode, requestId, body: { messages: [{ role: 'user' as const, content: 'Plan an open day' }], max_tokens: 64 } };
    const answer = await client.chat(input);
    assert.equal(answer.message, 'Hello from the stub.');
    assert.equal(answer.model, 'contract-model');
    assert.deepEqual([answer.usage.inputTokens, answer.usage.outputTokens, answer.usage.totalTokens, answer.usage.cost], [12, 5, 17, 0.00022]);
    assert.ok(typeof answer.usage.responseTime === 'number');
    await cp.ctx.aiCharges.idle(); // charged just after the answer (docs/ai-billing.md)
    const [log] = (await cp.db.query<any[]>('SELECT request_id FROM ai_service_call_logs WHERE tenant_id = ?', [t.tenantId]))[0];
    assert.equal(log.request_id, `${t.tenantCode}:${requestId}`, 'the bridge keyed the call by the id the tenant app sent');

    await assert.rejects(client.chat(input), (err: unknown) => err instanceof AppError && err.status === 409 && err.code === 'DUPLICATE_REQUEST');
    const l = await ledger(cp, t);
    assert.deepEqual([l.calls, l.txCount, l.costs], [1, 1, '0.000220']);
  });
});
