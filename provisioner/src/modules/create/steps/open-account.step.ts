import type { RowDataPacket } from '@kg/shared';
import type { CreateStep } from '../step';

/**
 * Step 7: the tenant account with the balance and credit limit of its plan (`billing_rules`), and
 * the tenant's billing rule from today. One account per tenant (unique key); re-runs keep it.
 */
export const openAccount: CreateStep = {
  name: 'open_account',
  async run({ ctx, tenant, checkpoint }) {
    const [rules] = await ctx.db.query<RowDataPacket[]>(
      "SELECT id, initial_balance, credit_limit FROM billing_rules WHERE plan_type = ? AND status = 'active'",
      [tenant.planType],
    );
    const rule = rules[0];
    const balance = rule ? Number(rule.initial_balance) : 0;
    const creditLimit = rule ? Number(rule.credit_limit) : 0;
    await ctx.db.query('INSERT IGNORE INTO tenant_accounts (tenant_id, balance, credit_limit) VALUES (?, ?, ?)', [
      tenant.code,
      balance,
      creditLimit,
    ]);
    await checkpoint('mid');
    if (rule) {
      await ctx.db.query(
        `INSERT INTO tenant_billing_rules (tenant_id, rule_id, effective_from)
         SELECT ?, ?, UTC_DATE() FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM tenant_billing_rules WHERE tenant_id = ?)`,
        [tenant.code, Number(rule.id), tenant.code],
      );
    }
    return { planType: tenant.planType, balance, creditLimit };
  },
};
