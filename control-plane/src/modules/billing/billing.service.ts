import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { AppError, errors, withTransaction } from '@kg/shared';
import type { AppContext } from '../../context';
import { announceAiConfigChange } from '../ai-bridge/bridge-directory';
import { appendAudit, type AuditActor } from '../audit/audit.service';
import type { BridgeCaller } from '../ai-bridge/bridge-caller.service';
import { periodKey, periodStart } from '../ai-bridge/bridge-limits.service';
import { tokensUsed } from '../ai-bridge/call-log.repository';
import { lockTenant, setTenantPlan } from '../tenants/tenant.repository';
import { applyBalanceChange, findTenantAccount, listTransactions, setCreditLimit, type BalanceTransaction } from './account.repository';
import { findPlan, listPlans, recordPlanChange, type Plan } from './plan.repository';
import { insertCards, lockCardByHash, markCardUsed } from './recharge-card.repository';

export { listPlans };

/** Card codes: 20 characters from an alphabet without look-alikes, about 100 bits. */
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
function newCardCode(): string {
  const bytes = randomBytes(20);
  const chars = [...bytes].map((b) => ALPHABET[b % ALPHABET.length]).join('');
  return chars.match(/.{5}/g)!.join('-');
}
/** Codes are stored as SHA-256 of their normalised form (upper case, no dashes or spaces). */
export function cardCodeHash(code: string): string {
  return createHash('sha256').update(code.replace(/[\s-]/g, '').toUpperCase()).digest('hex');
}

/** Moves a tenant to another plan at once (limits, credit limit, plan history), audited. */
export async function changeTenantPlan(ctx: AppContext, actor: AuditActor, tenantCode: string, planType: string): Promise<Plan> {
  const plan = await findPlan(ctx.db, planType);
  if (!plan || plan.status !== 'active') throw errors.validation([{ field: 'planType', message: 'is not an active plan' }]);
  await withTransaction(ctx.db, async (conn) => {
    const tenant = await lockTenant(conn, tenantCode);
    if (!tenant) throw errors.notFound(`Tenant ${tenantCode} does not exist`, 'TENANT_NOT_FOUND');
    if (tenant.status === 'deleted' || tenant.status === 'purged') throw errors.gone(`Tenant ${tenantCode} has been deleted`);
    await setTenantPlan(conn, tenantCode, plan.planType, plan.maxUsers, plan.maxStorageMb);
    await setCreditLimit(conn, tenantCode, plan.creditLimit);
    await recordPlanChange(conn, tenantCode, plan.id);
    await appendAudit(conn, ctx.secrets.auditKey, {
      ...actor,
      action: 'tenant.plan_change',
      targetType: 'tenant',
      targetId: tenantCode,
      tenantCode,
      before: { planType: tenant.planType, maxUsers: tenant.maxUsers, maxStorageMb: tenant.maxStorageMb },
      after: { planType: plan.planType, maxUsers: plan.maxUsers, maxStorageMb: plan.maxStorageMb, creditLimit: plan.creditLimit },
    });
  });
  // The bridge keeps each caller's plan (rate, token quota) in memory: the new one applies at once.
  await announceAiConfigChange(ctx, { tenantCode });
  return plan;
}

/** Generates a batch of recharge cards; the codes are returned this once and stored hashed. */
export async function createCardBatch(
  ctx: AppContext,
  actor: AuditActor & { adminId: number },
  input: { value: number; count: number; expiresAt: Date },
): Promise<{ batchId: string; value: string; count: number; expiresAt: string; codes: string[] }> {
  if (input.expiresAt.getTime() <= Date.now()) throw errors.validation([{ field: 'expiresAt', message: 'must be in the future' }]);
  const batchId = randomUUID();
  const value = input.value.toFixed(2);
  const codes = Array.from({ length: input.count }, newCardCode);
  await withTransaction(ctx.db, async (conn) => {
    await insertCards(conn, codes.map((code) => ({ codeHash: cardCodeHash(code), batchId, amount: value, expiresAt: input.expiresAt, createdBy: actor.adminId })));
    const { adminId: _a, ...auditor } = actor;
    await appendAudit(conn, ctx.secrets.auditKey, {
      ...auditor,
      action: 'recharge_cards.create_batch',
      targetType: 'recharge_card_batch',
      targetId: batchId,
      before: null,
      after: { value, count: input.count, expiresAt: input.expiresAt.toISOString() },
    });
  });
  return { batchId, value, count: input.count, expiresAt: input.expiresAt.toISOString(), codes };
}

/**
 * Redeems a card for the caller's tenant (tenant admins only): the card row is locked, so of two
 * redeems at once one succeeds and the other sees it used (409); an expired card is 410; an
 * unknown code 404. The card and the balance change commit together.
 */
export async function redeemCard(ctx: AppContext, caller: BridgeCaller, code: string): Promise<{ amount: string; balance: string }> {
  if (caller.role !== 'admin') throw errors.forbidden('Only a tenant admin may redeem recharge cards');
  const tenantCode = caller.tenant.tenantCode;
  return withTransaction(ctx.db, async (conn) => {
    const card = await lockCardByHash(conn, cardCodeHash(code));
    if (!card || card.status === 'disabled') throw errors.notFound('No such recharge card', 'RECHARGE_CARD_NOT_FOUND');
    if (card.status === 'used') throw errors.conflict('This recharge card was already used', 'RECHARGE_CARD_USED');
    if (card.expiresAt.getTime() <= Date.now()) throw new AppError('RECHARGE_CARD_EXPIRED', 410, 'This recharge card has expired');
    await markCardUsed(conn, card.id, tenantCode);
    const balance = await applyBalanceChange(conn, {
      tenantCode,
      type: 'recharge',
      amount: card.amount,
      reference: `card:${card.id}`,
      description: `Recharge card ${card.batchId.slice(0, 8)}`,
      createdBy: String(caller.globalUserId),
    });
    if (balance === null) throw errors.conflict(`Tenant ${tenantCode} has no billing account yet`);
    return { amount: card.amount, balance };
  });
}

export interface AccountView {
  tenantCode: string;
  planType: string;
  balance: number;
  creditLimit: number;
  paymentStatus: string;
  usage: { periodStart: string; aiTokens: number; monthlyAiTokens: number };
  transactions: BalanceTransaction[];
}

/** The tenant's balance, credit limit, this month's AI usage and recent transactions. */
export async function accountView(ctx: AppContext, caller: BridgeCaller): Promise<AccountView> {
  const t = caller.tenant;
  const period = periodStart();
  const [account, plan, used, transactions] = await Promise.all([
    findTenantAccount(ctx.db, t.tenantCode),
    findPlan(ctx.db, t.planType),
    tokensUsed(ctx.db, t.id, periodKey(period)),
    listTransactions(ctx.db, t.tenantCode, 20),
  ]);
  if (!account) throw errors.notFound(`Tenant ${t.tenantCode} has no billing account yet`);
  return {
    tenantCode: t.tenantCode,
    planType: t.planType,
    balance: account.balance,
    creditLimit: account.creditLimit,
    paymentStatus: account.paymentStatus,
    usage: { periodStart: period.toISOString(), aiTokens: used, monthlyAiTokens: plan?.monthlyAiTokens ?? 0 },
    transactions,
  };
}
