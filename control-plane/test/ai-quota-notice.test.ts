import assert from 'node:assert/strict';
import { connect, type RowDataPacket } from '@kg/shared';
import { dropDatabases, http, testMysqlTarget, uniqueId } from '@kg/shared/testing';
import { addModel } from './helpers/ai-fixtures';
import { loginUser, registerUser, rows, uniqueTenantCode } from './helpers/auth-fixtures';
import { startControlPlane, type TestControlPlane } from './helpers/harness';
import { insertTenant } from './helpers/operator-fixtures';
import { createTenantDatabase } from './helpers/tenant-database';
import { startAiProviderStub, type AiProviderStub } from './stubs/ai-provider.stub';

describe('AI quota: the 80% notice in a real tenant database', function () {
  this.timeout(90_000);
  let cp: TestControlPlane;
  let stub: AiProviderStub;
  const id = uniqueId('quota');
  const templateDb = `tpl_${id}`;
  const tenantDb = `tdb_${id}`;
  const code = uniqueTenantCode();

  async function notifications(): Promise<RowDataPacket[]> {
    const conn = await connect(testMysqlTarget(), tenantDb);
    try {
      const [r] = await conn.query<RowDataPacket[]>('SELECT * FROM notifications ORDER BY id');
      return r;
    } finally {
      await conn.end();
    }
  }

  before(async () => {
    stub = await startAiProviderStub();
    cp = await startControlPlane('aiquota');
    const admin = await cp.superAdminToken();
    await addModel(cp, admin, { name: 'quota-model', endpointUrl: `${stub.url}/v1`, isDefault: true });
    await createTenantDatabase(templateDb, tenantDb);
    const [[server]] = await cp.db.query<RowDataPacket[]>("SELECT id FROM database_servers WHERE name = 'local'");
    await insertTenant(cp, { code, databaseName: tenantDb, dbServerId: Number(server!.id) });
    await cp.db.query("UPDATE tenants SET plan_type = 'enterprise' WHERE tenant_id = ?", [code]);
    // Each stub call uses 17 tokens: 17 (42%), 34 (85%: the notice), 51 (over), then 402.
    await cp.db.query("UPDATE billing_rules SET monthly_ai_tokens = 40 WHERE plan_type = 'enterprise'");
    await cp.db.query("INSERT INTO tenant_accounts (tenant_id, balance, credit_limit) VALUES (?, '100', '0')", [code]);
  });
  after(async () => {
    await cp?.close();
    await stub?.close();
    await dropDatabases([templateDb, tenantDb]);
  });

  it("when a call takes the month past 80% of the token quota, then the tenant's admins get one notification in their tenant, not another later", async () => {
    const admin = await cp.superAdminToken();
    const bind = async (role: string) => {
      const u = await registerUser(cp);
      const res = await http('POST', `${cp.url}/api/tenants/${code}/users`, { token: admin, body: { phone: u.phone, role } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return u;
    };
    const tenantAdmin = await bind('admin');
    const teacher = await bind('teacher');
    const { token } = await loginUser(cp, teacher.phone);
    const chat = () =>
      http('POST', `${cp.url}/api/v1/ai/bridge/chat`, { token, headers: { 'x-tenant-code': code }, body: { messages: [{ role: 'user', content: 'hi' }] } });

    assert.equal((await chat()).status, 200);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await notifications()).length, 0, 'below 80%: no notice');

    assert.equal((await chat()).status, 200);
    const deadline = Date.now() + 10_000;
    while ((await notifications()).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal((await chat()).status, 200, 'still under the quota when the call started');
    assert.equal((await chat()).status, 402);
    await new Promise((r) => setTimeout(r, 500));

    const sent = await notifications();
    assert.equal(sent.length, 1);
    const [rel] = await rows<any>(cp, "SELECT tenant_user_id FROM global_user_tenant_relations WHERE tenant_code = ? AND global_user_id = ?", [code, tenantAdmin.globalUserId]);
    const targets = typeof sent[0]!.target_user_ids === 'string' ? JSON.parse(sent[0]!.target_user_ids) : sent[0]!.target_user_ids;
    assert.deepEqual(targets, [Number(rel.tenant_user_id)], 'addressed to the tenant admin only');
    assert.deepEqual([sent[0]!.target_type, sent[0]!.status], ['users', 'published']);
    assert.match(String(sent[0]!.content), /34 of 40 AI tokens \(85%\)/);
    const claims = await rows<any>(cp, 'SELECT quota, period_start FROM tenant_quota_notices WHERE tenant_id = ?', [code]);
    assert.equal(claims.length, 1);
    assert.equal(claims[0].quota, 'monthly_ai_tokens');
  });
});
