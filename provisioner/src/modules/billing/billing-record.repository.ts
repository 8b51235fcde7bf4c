import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from '@kg/shared';

/**
 * The provisioner's owner of `billing_records`; it also reads the plans (`billing_rules`) and a
 * tenant's plan history (`tenant_billing_rules`) that the control plane keeps
 * (docs/data-ownership.md, Provisioner).
 */
type Db = Pool | PoolConnection;

export interface BillingPlan {
  id: number;
  planType: string;
  /** Decimal strings. */
  baseFeeMonthly: string;
  overagePricePer1kTokens: string;
  monthlyAiTokens: number;
}

export async function listBillingPlans(db: Db): Promise<BillingPlan[]> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT id, plan_type, CAST(base_fee_monthly AS CHAR) AS base_fee, CAST(overage_price_per_1k_tokens AS CHAR) AS overage_price, monthly_ai_tokens
       FROM billing_rules`,
  );
  return rows.map((r) => ({
    id: Number(r.id),
    planType: String(r.plan_type),
    baseFeeMonthly: String(r.base_fee),
    overagePricePer1kTokens: String(r.overage_price),
    monthlyAiTokens: Number(r.monthly_ai_tokens),
  }));
}

/** The plan (billing rule id) in force for a tenant on `day`: the latest period begun by then. */
export async function planRuleOn(db: Db, tenantCode: string, day: string): Promise<number | null> {
  const [rows] = await db.query<RowDataPacket[]>(
    'SELECT rule_id FROM tenant_billing_rules WHERE tenant_id = ? AND effective_from <= ? ORDER BY effective_from DESC, id DESC LIMIT 1',
    [tenantCode, day],
  );
  return rows[0] ? Number(rows[0].rule_id) : null;
}

export interface BillingRecordInput {
  tenantCode: string;
  periodStart: string;
  periodEnd: string;
  baseFee: string;
  overageFee: string;
  totalAmount: string;
  details: Record<string, unknown>;
}

/**
 * Writes a tenant's bill for a period once: the unique (tenant, period start) makes a re-run a
 * no-op. Answers true when this call wrote it.
 */
export async function insertBillingRecord(db: Db, r: BillingRecordInput): Promise<boolean> {
  const [res] = await db.query<ResultSetHeader>(
    `INSERT IGNORE INTO billing_records (tenant_id, period_start, period_end, base_fee, overage_fee, total_amount, status, details)
     VALUES (?, ?, ?, ?, ?, ?, 'issued', ?)`,
    [r.tenantCode, r.periodStart, r.periodEnd, r.baseFee, r.overageFee, r.totalAmount, JSON.stringify(r.details)],
  );
  return res.affectedRows === 1;
}
