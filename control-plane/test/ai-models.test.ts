import assert from 'node:assert/strict';
import type { RowDataPacket } from '@kg/shared';
import { http } from '@kg/shared/testing';
import { assertOutboundAllowed } from '../src/modules/ai-bridge/outbound';
import { ProviderError } from '../src/modules/ai-bridge/providers/provider-http';
import { startControlPlane, type TestControlPlane } from './helpers/harness';
import { auditRows, roleTokens, type RoleTokens } from './helpers/operator-fixtures';

const SECRET = 'sk-test-0123456789abcdef';

describe('AI models', () => {
  let cp: TestControlPlane;
  let tokens: RoleTokens;
  const url = () => `${cp.url}/api/ai/models`;
  const model = (over: Record<string, unknown> = {}) => ({
    name: 'gpt-4o-mini',
    displayName: 'GPT-4o mini',
    provider: 'openai',
    endpointUrl: 'http://127.0.0.1:9/v1',
    apiKey: SECRET,
    modelType: 'text',
    inputPricePer1k: 0.15,
    outputPricePer1k: 0.6,
    isDefault: true,
    parameters: { temperature: 0.7 },
    ...over,
  });

  before(async () => {
    cp = await startControlPlane('aimodels');
    tokens = await roleTokens(cp);
  });
  after(async () => {
    await cp?.close();
  });

  it('when a super admin adds a model, then the key is stored sealed and only hasApiKey is returned', async () => {
    const res = await http('POST', url(), { token: tokens.superAdmin, body: model() });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.data.hasApiKey, true);
    assert.equal(res.body.data.isDefault, true);
    assert.equal(res.body.data.inputPricePer1k, 0.15);
    assert.deepEqual(res.body.data.parameters, { temperature: 0.7 });
    assert.ok(!JSON.stringify(res.body).includes(SECRET));
    assert.equal(res.body.data.apiKey, undefined);

    const [[row]] = await cp.db.query<RowDataPacket[]>('SELECT api_key FROM ai_model_config WHERE name = ?', ['gpt-4o-mini']);
    assert.notEqual(row!.api_key, SECRET);
    assert.ok(!String(row!.api_key).includes(SECRET));
    assert.equal(cp.ctx.secrets.open(String(row!.api_key)), SECRET);

    const list = await http('GET', url(), { token: tokens.operator });
    assert.equal(list.status, 200);
    assert.equal(list.body.data.items.length, 1);
    assert.ok(!JSON.stringify(list.body).includes(SECRET));

    const [audit] = await auditRows(cp, 'ai_model.create');
    assert.equal(audit!.after_data.hasApiKey, true);
    assert.ok(!JSON.stringify(audit).includes(SECRET));
  });

  it('when another model becomes the default, then the previous default is cleared', async () => {
    const res = await http('POST', url(), {
      token: tokens.superAdmin,
      body: model({ name: 'claude-haiku', displayName: 'Claude Haiku', provider: 'anthropic', apiKey: undefined, isDefault: true }),
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.data.hasApiKey, false);
    const [defaults] = await cp.db.query<RowDataPacket[]>('SELECT name FROM ai_model_config WHERE is_default = 1');
    assert.deepEqual(defaults.map((r) => r.name), ['claude-haiku']);

    const [[gpt]] = await cp.db.query<RowDataPacket[]>("SELECT id FROM ai_model_config WHERE name = 'gpt-4o-mini'");
    const back = await http('PATCH', `${url()}/${gpt!.id}`, { token: tokens.superAdmin, body: { isDefault: true } });
    assert.equal(back.status, 200);
    const [after] = await cp.db.query<RowDataPacket[]>('SELECT name FROM ai_model_config WHERE is_default = 1');
    assert.deepEqual(after.map((r) => r.name), ['gpt-4o-mini']);
  });

  it('when several models are made the default at the same time, then exactly one default remains', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await http('POST', url(), { token: tokens.superAdmin, body: model({ name: `race-${i}`, isDefault: false }) });
      ids.push(res.body.data.id);
    }
    const results = await Promise.all(
      ids.map((id) => http('PATCH', `${url()}/${id}`, { token: tokens.superAdmin, body: { isDefault: true } })),
    );
    assert.deepEqual(results.map((r) => r.status), [200, 200, 200, 200, 200]);
    const [defaults] = await cp.db.query<RowDataPacket[]>('SELECT id FROM ai_model_config WHERE is_default = 1');
    assert.equal(defaults.length, 1);
    const [[gpt]] = await cp.db.query<RowDataPacket[]>("SELECT id FROM ai_model_config WHERE name = 'gpt-4o-mini'");
    await http('PATCH', `${url()}/${gpt!.id}`, { token: tokens.superAdmin, body: { isDefault: true } });
  });

  it('when the key is replaced or removed by PATCH, then it is sealed again or cleared, never returned', async () => {
    const [[gpt]] = await cp.db.query<RowDataPacket[]>("SELECT id FROM ai_model_config WHERE name = 'gpt-4o-mini'");
    const replaced = await http('PATCH', `${url()}/${gpt!.id}`, {
      token: tokens.superAdmin,
      body: { apiKey: 'sk-new-secret-value', outputPricePer1k: 1.2 },
    });
    assert.equal(replaced.status, 200);
    assert.equal(replaced.body.data.outputPricePer1k, 1.2);
    assert.ok(!JSON.stringify(replaced.body).includes('sk-new-secret-value'));
    const [[row]] = await cp.db.query<RowDataPacket[]>('SELECT api_key FROM ai_model_config WHERE id = ?', [gpt!.id]);
    assert.equal(cp.ctx.secrets.open(String(row!.api_key)), 'sk-new-secret-value');
    const audits = await auditRows(cp, 'ai_model.update');
    assert.ok(audits.every((a) => !JSON.stringify(a).includes('sk-new-secret-value')));
    assert.equal(audits.at(-1)!.before_data.outputPricePer1k, 0.6);
    assert.equal(audits.at(-1)!.after_data.outputPricePer1k, 1.2);

    const cleared = await http('PATCH', `${url()}/${gpt!.id}`, { token: tokens.superAdmin, body: { apiKey: null } });
    assert.equal(cleared.body.data.hasApiKey, false);
  });

  it('when the body is invalid, then 400 names the fields; a duplicate name is 409', async () => {
    const bad = await http('POST', url(), {
      token: tokens.superAdmin,
      body: model({ name: 'm2', provider: 'azure', endpointUrl: 'ftp://x', inputPricePer1k: -1 }),
    });
    assert.equal(bad.status, 400);
    assert.deepEqual(
      bad.body.error.details.map((d: { field: string }) => d.field).sort(),
      ['endpointUrl', 'inputPricePer1k', 'provider'],
    );
    const dup = await http('POST', url(), { token: tokens.superAdmin, body: model({ isDefault: false }) });
    assert.equal(dup.status, 409);
    const inactiveDefault = await http('POST', url(), {
      token: tokens.superAdmin,
      body: model({ name: 'm3', status: 'inactive', isDefault: true }),
    });
    assert.equal(inactiveDefault.status, 400);
  });

  it('when the endpoint is a private, link-local or unlisted internal address, then 400 OUTBOUND_ADDRESS_REFUSED on endpointUrl', async () => {
    for (const endpointUrl of ['http://169.254.169.254/latest/meta-data', 'http://10.0.0.5:8000/v1', 'https://[fd00::1]/v1']) {
      const res = await http('POST', url(), { token: tokens.superAdmin, body: model({ name: 'inner', isDefault: false, endpointUrl }) });
      assert.equal(res.status, 400, endpointUrl);
      assert.equal(res.body.error.code, 'OUTBOUND_ADDRESS_REFUSED');
      assert.equal(res.body.error.details[0].field, 'endpointUrl');
    }
    const [[row]] = await cp.db.query<RowDataPacket[]>('SELECT id FROM ai_model_config ORDER BY id LIMIT 1');
    const patch = await http('PATCH', `${url()}/${row!.id}`, { token: tokens.superAdmin, body: { endpointUrl: 'http://192.168.1.20/v1' } });
    assert.equal(patch.status, 400);
    assert.equal(patch.body.error.code, 'OUTBOUND_ADDRESS_REFUSED');
    const [[after]] = await cp.db.query<RowDataPacket[]>('SELECT endpoint_url FROM ai_model_config WHERE id = ?', [row!.id]);
    assert.equal(after!.endpoint_url, 'http://127.0.0.1:9/v1', 'loopback stays allowed outside production');
  });

  it('when a bridge call meets an endpoint changed behind the API to an internal address, then it is refused as an unreachable provider', async () => {
    await assertOutboundAllowed(cp.ctx, 'http://127.0.0.1:9/v1');
    for (const endpoint of ['http://169.254.169.254/v1', 'http://10.9.8.7:8000/v1', 'ftp://example.com/']) {
      await assert.rejects(assertOutboundAllowed(cp.ctx, endpoint), (err: unknown) => {
        assert.ok(err instanceof ProviderError, endpoint);
        assert.equal(err.code, 'AI_PROVIDER_UNAVAILABLE');
        assert.equal(err.message, 'The AI provider could not be reached');
        return true;
      });
    }
  });

  it('when an operator or admin writes, then 403; a user token or none 401', async () => {
    for (const token of [tokens.operator, tokens.admin]) {
      assert.equal((await http('POST', url(), { token, body: model({ name: 'nope' }) })).status, 403);
      assert.equal((await http('PATCH', `${url()}/1`, { token, body: { displayName: 'x' } })).status, 403);
    }
    assert.equal((await http('GET', url(), { token: tokens.user })).status, 401);
    assert.equal((await http('GET', url())).status, 401);
  });
});
