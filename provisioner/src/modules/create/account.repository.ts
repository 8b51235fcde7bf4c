import type { Pool, RowDataPacket } from '@kg/shared';

/** The tenant's account and billing rule (`tenant_accounts`, `tenant_billing_rules`), from the plan's `billing_rules`. */

export interface BillingRule {
  id: number;
  initialBalance: number;
  creditLimit: number;
}

/** The active billing rule of a plan, if there is one. */
export async function findBillingRule(db: Pool, planType: string): Promise<BillingRule | null> {
  const [rows] = await db.query<RowDataPacket[]>(
    "SELECT id, initial_balance, credit_limit FROM billing_rules WHERE plan_type = ? AND status = 'active'",
    [planType],
  );
  const r = rows[0];
  return r ? { id: Number(r.id), initialBalance: Number(r.initial_balance), creditLimit: Number(r.credit_limit) } : null;
}

/** One account per tenant (unique key): a second call keeps the first account as it is. */
export async function openTenantAccount(db: Pool, tenantCode: string, balance: number, creditLimit: number): Promise<void> {
  await db.query('INSERT IGNORE INTO tenant_accounts (tenant_id, balance, credit_limit) VALUES (?, ?, ?)', [tenantCode, balance, creditLimit]);
}

/** Gives the tenant a billing rule from today, unless it already has one. */
export async function assignBillingRule(db: Pool, tenantCode: string, ruleId: number): Promise<void> {
  await db.query(
    `INSERT INTO tenant_billing_rules (tenant_id, rule_id, effective_from)
     SELECT ?, ?, UTC_DATE() FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM tenant_billing_rules WHERE tenant_id = ?)`,
    [tenantCode, ruleId, tenantCode],
  );
}
