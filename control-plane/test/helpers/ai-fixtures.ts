import { http } from '@kg/shared/testing';
import { bindUser, insertTenant, loginUser, registerUser, rows } from './auth-fixtures';
import type { TestControlPlane } from './harness';

export interface AiModelSpec {
  name: string;
  provider?: 'openai' | 'anthropic';
  endpointUrl: string;
  isDefault?: boolean;
  modelType?: string;
  inputPricePer1k?: number;
  outputPricePer1k?: number;
}

/** Adds a model through the operator API and returns its id. */
export async function addModel(cp: TestControlPlane, adminToken: string, m: AiModelSpec): Promise<number> {
  const res = await http('POST', `${cp.url}/api/ai/models`, {
    token: adminToken,
    body: {
      displayName: m.name,
      provider: 'openai',
      apiKey: 'sk-test-key',
      inputPricePer1k: 0.01,
      outputPricePer1k: 0.02,
      ...m,
    },
  });
  if (res.status !== 201) throw new Error(`add model failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data.id;
}

/** Sets a tenant's model setting through the operator API. */
export async function setTenantModel(
  cp: TestControlPlane,
  adminToken: string,
  tenantCode: string,
  modelId: number,
  s: { enabled: boolean; priority?: number; dailyCallCap?: number | null },
): Promise<void> {
  const res = await http('PUT', `${cp.url}/api/tenants/${tenantCode}/ai-models/${modelId}`, { token: adminToken, body: s });
  if (res.status !== 200) throw new Error(`set tenant model failed: ${res.status} ${JSON.stringify(res.body)}`);
}

export interface AiTenant {
  tenantCode: string;
  tenantId: number;
  token: string;
  globalUserId: number;
  headers: Record<string, string>;
}

/** A tenant with an account (balance, credit limit) and a bound, signed-in user of `role`. */
export async function aiTenant(
  cp: TestControlPlane,
  opts: { balance?: string; creditLimit?: string; role?: string; planType?: string } = {},
): Promise<AiTenant> {
  const tenantCode = await insertTenant(cp);
  if (opts.planType) await cp.db.query('UPDATE tenants SET plan_type = ? WHERE tenant_id = ?', [opts.planType, tenantCode]);
  await cp.db.query('INSERT INTO tenant_accounts (tenant_id, balance, credit_limit) VALUES (?, ?, ?)', [
    tenantCode,
    opts.balance ?? '100',
    opts.creditLimit ?? '0',
  ]);
  const user = await registerUser(cp);
  await bindUser(cp, user.globalUserId, tenantCode, opts.role ?? 'teacher');
  const { token } = await loginUser(cp, user.phone);
  const [t] = await rows<{ id: number }>(cp, 'SELECT id FROM tenants WHERE tenant_id = ?', [tenantCode]);
  return { tenantCode, tenantId: Number(t!.id), token, globalUserId: user.globalUserId, headers: { 'x-tenant-code': tenantCode } };
}

/** Balance, the sum of successful call costs and the sum of transactions, as decimal strings. */
export async function ledger(cp: TestControlPlane, t: AiTenant) {
  const [a] = await rows<any>(cp, 'SELECT CAST(balance AS CHAR) AS b FROM tenant_accounts WHERE tenant_id = ?', [t.tenantCode]);
  const [c] = await rows<any>(cp, "SELECT CAST(COALESCE(SUM(cost),0) AS CHAR) AS c, COUNT(*) AS n FROM ai_service_call_logs WHERE tenant_id = ? AND status = 'success'", [t.tenantId]);
  const [x] = await rows<any>(cp, 'SELECT CAST(COALESCE(SUM(amount),0) AS CHAR) AS s, COUNT(*) AS n FROM tenant_balance_transactions WHERE tenant_id = ?', [t.tenantCode]);
  return { balance: String(a.b), costs: String(c.c), calls: Number(c.n), txSum: String(x.s), txCount: Number(x.n) };
}
