import type { Connection, RowDataPacket } from '@kg/shared';

/**
 * Plans in this process: `billing_rules` (read; the seed fills it) and `tenant_billing_rules`
 * (the history of a tenant's plans); the lifecycle module reads a new tenant's limits through
 * findPlan (docs/ai-billing.md, "Plans").
 */
export const PLAN_TYPES = ['basic', 'standard', 'premium', 'enterprise'] as const;
export type PlanType = (typeof PLAN_TYPES)[number];

export interface Plan {
  id: number;
  planType: PlanType;
  displayName: string;
  baseFeeMonthly: string;
  maxUsers: number;
  maxStorageMb: number;
  monthlyAiTokens: number;
  aiRateLimitPerMinute: number;
  overagePricePer1kTokens: string;
  creditLimit: string;
  status: 'active' | 'inactive';
}

const toPlan = (r: RowDataPacket): Plan => ({
  id: Number(r.id),
  planType: r.plan_type,
  displayName: r.display_name,
  baseFeeMonthly: String(r.base_fee_monthly),
  maxUsers: Number(r.max_users),
  maxStorageMb: Number(r.max_storage_mb),
  monthlyAiTokens: Number(r.monthly_ai_tokens),
  aiRateLimitPerMinute: Number(r.ai_rate_limit_per_minute),
  overagePricePer1kTokens: String(r.overage_price_per_1k_tokens),
  creditLimit: String(r.credit_limit),
  status: r.status,
});

export async function listPlans(db: Connection): Promise<Plan[]> {
  const [rows] = await db.query<RowDataPacket[]>(
    "SELECT * FROM billing_rules WHERE status = 'active' ORDER BY FIELD(plan_type, 'basic', 'standard', 'premium', 'enterprise')",
  );
  return rows.map(toPlan);
}

export async function findPlan(db: Connection, planType: string): Promise<Plan | null> {
  const [rows] = await db.query<RowDataPacket[]>('SELECT * FROM billing_rules WHERE plan_type = ?', [planType]);
  return rows[0] ? toPlan(rows[0]) : null;
}

/** Closes the tenant's open plan period and opens one for `ruleId` from today. */
export async function recordPlanChange(conn: Connection, tenantCode: string, ruleId: number): Promise<void> {
  await conn.query('UPDATE tenant_billing_rules SET effective_to = CURRENT_DATE WHERE tenant_id = ? AND effective_to IS NULL', [tenantCode]);
  await conn.query('INSERT INTO tenant_billing_rules (tenant_id, rule_id, effective_from) VALUES (?, ?, CURRENT_DATE)', [tenantCode, ruleId]);
}
