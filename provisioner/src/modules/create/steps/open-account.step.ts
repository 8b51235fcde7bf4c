import { assignBillingRule, findBillingRule, openTenantAccount } from '../account.repository';
import type { CreateStep } from '../step';

/**
 * Step 7: the tenant account with the balance and credit limit of its plan (`billing_rules`), and
 * the tenant's billing rule from today. One account per tenant; re-runs keep it.
 */
export const openAccount: CreateStep = {
  name: 'open_account',
  async run({ ctx, tenant, checkpoint }) {
    const rule = await findBillingRule(ctx.db, tenant.planType);
    const balance = rule?.initialBalance ?? 0;
    const creditLimit = rule?.creditLimit ?? 0;
    await openTenantAccount(ctx.db, tenant.tenantCode, balance, creditLimit);
    await checkpoint('mid');
    if (rule) await assignBillingRule(ctx.db, tenant.tenantCode, rule.id);
    return { planType: tenant.planType, balance, creditLimit };
  },
};
