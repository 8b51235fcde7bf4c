import type { ProvisionerContext } from '../../context';
import { listBillableTenants } from '../tenants/tenant.repository';
import { insertBillingRecord, listBillingPlans, planRuleOn, type BillingPlan } from './billing-record.repository';
import { microsToDecimal, overageMicros, toMicros } from './money';
import { dayRange, monthDays } from './period';
import { rollUpDay } from './usage-rollup';
import { summaryTotals } from './usage.repository';

export interface MonthlyBillingResult {
  month: string;
  tenants: number;
  written: number;
}

/**
 * Writes one `billing_records` row per tenant for a UTC month: the plan's base fee plus overage,
 * the tokens beyond the plan's monthly quota at its overage price (docs/ai-billing.md, "Usage
 * roll-up and monthly bills"). The month's days are rolled up first, so the bill reads complete
 * figures. A tenant already billed for the month is left as it is: re-running changes nothing.
 */
export async function billMonth(ctx: ProvisionerContext, month: string): Promise<MonthlyBillingResult> {
  const { first, last, days } = monthDays(month);
  for (const day of days) await rollUpDay(ctx, day);
  const [plans, usage, tenants] = await Promise.all([
    listBillingPlans(ctx.db),
    summaryTotals(ctx.db, first, last),
    listBillableTenants(ctx.db, dayRange(first).from, dayRange(last).to),
  ]);
  const byId = new Map(plans.map((p) => [p.id, p]));
  const byType = new Map(plans.map((p) => [p.planType, p]));
  let written = 0;
  for (const t of tenants) {
    const ruleId = await planRuleOn(ctx.db, t.tenantCode, last);
    const plan: BillingPlan | undefined = (ruleId !== null ? byId.get(ruleId) : undefined) ?? byType.get(t.planType);
    if (!plan) {
      ctx.logger.warn({ tenantCode: t.tenantCode, month }, 'tenant has no plan; not billed');
      continue;
    }
    const used = usage.get(t.id) ?? { calls: 0, tokens: 0, cost: '0' };
    const overageTokens = plan.monthlyAiTokens > 0 ? Math.max(0, used.tokens - plan.monthlyAiTokens) : 0;
    const base = toMicros(plan.baseFeeMonthly);
    const overage = overageMicros(overageTokens, plan.overagePricePer1kTokens);
    const overageFee = microsToDecimal(overage, 4);
    const inserted = await insertBillingRecord(ctx.db, {
      tenantCode: t.tenantCode,
      periodStart: first,
      periodEnd: last,
      baseFee: microsToDecimal(base, 2),
      overageFee,
      totalAmount: microsToDecimal(base + toMicros(overageFee), 4),
      details: {
        planType: plan.planType,
        monthlyAiTokens: plan.monthlyAiTokens,
        usedTokens: used.tokens,
        overageTokens,
        overagePricePer1kTokens: plan.overagePricePer1kTokens,
        aiCalls: used.calls,
        aiCallCost: microsToDecimal(toMicros(used.cost), 6),
      },
    });
    if (inserted) written++;
  }
  ctx.logger.info({ month, tenants: tenants.length, written }, 'monthly billing done');
  return { month, tenants: tenants.length, written };
}
