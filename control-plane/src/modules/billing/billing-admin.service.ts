import { randomUUID } from 'node:crypto';
import { duplicateKey, errors, withTransaction, type Page as ListPage } from '@kg/shared';
import type { AppContext } from '../../context';
import { appendAudit, type AuditActor } from '../audit/audit.service';
import { periodKey, periodStart } from '../ai-bridge/bridge-limits.service';
import { aiUsageByDayAndModel, tokensUsed } from '../ai-bridge/call-log.repository';
import { decimalToMicros, microsToDecimal } from '../ai-bridge/cost';
import { listAiModels } from '../ai-models/ai-model.repository';
import { findTenant, type Tenant } from '../tenants/tenant.repository';
import { applyBalanceChange, findTenantAccount, findTransactionByReference, listTransactions, setPaymentStatus, type BalanceTransaction } from './account.repository';
import { countOverdueBills, listBills, lockBill, setBillStatus, type Bill } from './billing-record.repository';
import { findPlan } from './plan.repository';
import { listCardBatches, type CardBatch } from './recharge-card.repository';

/**
 * What operators read and do about a tenant's money from the console: the account, its
 * transactions, manual adjustments, recharge-card batches and AI usage across tenants
 * (docs/ai-billing.md, "Operators").
 */

async function existingTenant(ctx: AppContext, tenantCode: string): Promise<Tenant> {
  const tenant = await findTenant(ctx.db, tenantCode);
  if (!tenant) throw errors.notFound(`Tenant ${tenantCode} does not exist`, 'TENANT_NOT_FOUND');
  return tenant;
}

export interface OperatorAccountView {
  tenantCode: string;
  planType: string;
  balance: string;
  creditLimit: string;
  paymentStatus: string;
  billingCycle: string;
  usage: { periodStart: string; aiTokens: number; monthlyAiTokens: number };
}

/** A tenant's account for operators: balance, credit limit and this month's AI tokens against the plan. */
export async function operatorAccount(ctx: AppContext, tenantCode: string): Promise<OperatorAccountView> {
  const tenant = await existingTenant(ctx, tenantCode);
  const period = periodStart();
  const [account, plan, used] = await Promise.all([findTenantAccount(ctx.db, tenantCode), findPlan(ctx.db, tenant.planType), tokensUsed(ctx.db, tenant.id, periodKey(period))]);
  if (!account) throw errors.notFound(`Tenant ${tenantCode} has no billing account yet`, 'ACCOUNT_NOT_FOUND');
  return {
    tenantCode,
    planType: tenant.planType,
    balance: microsToDecimal(decimalToMicros(account.balance)),
    creditLimit: microsToDecimal(decimalToMicros(account.creditLimit)),
    paymentStatus: account.paymentStatus,
    billingCycle: account.billingCycle,
    usage: { periodStart: period.toISOString(), aiTokens: used, monthlyAiTokens: plan?.monthlyAiTokens ?? 0 },
  };
}

export interface TransactionPage {
  items: BalanceTransaction[];
  /** Pass as `before` for the next (older) page; null on the last page. */
  nextBefore: number | null;
}

/** A tenant's balance transactions for operators, newest first. */
export async function operatorTransactions(ctx: AppContext, tenantCode: string, q: { limit: number; before?: number }): Promise<TransactionPage> {
  await existingTenant(ctx, tenantCode);
  const items = await listTransactions(ctx.db, tenantCode, q.limit, q.before);
  return { items, nextBefore: items.length === q.limit ? items[items.length - 1]!.id : null };
}

export interface AdjustmentResult {
  transaction: BalanceTransaction;
  /** True when this answer repeats the booking of an earlier request with the same key. */
  replayed: boolean;
}

/**
 * Books one `adjustment` on a tenant's balance through the ledger function every balance change
 * uses, and audits it (who, amount, reason, balance before and after) in the same transaction.
 * With an idempotency key the booking's reference is derived from it, so a retry finds the first
 * booking instead of adding another; the same key with a different amount or reason is a 409.
 */
export async function adjustBalance(
  ctx: AppContext,
  actor: AuditActor & { adminId: number },
  tenantCode: string,
  input: { amount: number; reason: string; idempotencyKey?: string },
): Promise<AdjustmentResult> {
  const tenant = await existingTenant(ctx, tenantCode);
  if (tenant.status === 'deleted' || tenant.status === 'purged') throw errors.gone(`Tenant ${tenantCode} has been deleted`);
  const amount = input.amount.toFixed(2);
  const reference = `adjustment:${tenantCode}:${input.idempotencyKey ?? randomUUID()}`;
  try {
    const transaction = await withTransaction(ctx.db, async (conn) => {
      const balanceAfter = await applyBalanceChange(conn, {
        tenantCode,
        type: 'adjustment',
        amount,
        reference,
        description: input.reason,
        createdBy: `admin:${actor.adminId}`,
      });
      if (balanceAfter === null) throw errors.notFound(`Tenant ${tenantCode} has no billing account yet`, 'ACCOUNT_NOT_FOUND');
      const booked = (await findTransactionByReference(conn, 'adjustment', reference))!;
      const { adminId: _a, ...auditor } = actor;
      await appendAudit(conn, ctx.secrets.auditKey, {
        ...auditor,
        action: 'tenant.balance_adjustment',
        targetType: 'tenant_account',
        targetId: tenantCode,
        tenantCode,
        before: { balance: microsToDecimal(decimalToMicros(balanceAfter) - decimalToMicros(amount)) },
        after: { balance: balanceAfter, amount, reason: input.reason, transactionId: booked.id },
      });
      return booked;
    });
    return { transaction: withoutTenant(transaction), replayed: false };
  } catch (err) {
    if (duplicateKey(err) !== 'uk_balance_tx_reference' || input.idempotencyKey === undefined) throw err;
    const first = await findTransactionByReference(ctx.db, 'adjustment', reference);
    if (!first) throw err;
    if (decimalToMicros(first.amount) !== decimalToMicros(amount) || first.description !== input.reason) {
      throw errors.conflict('This Idempotency-Key was already used for a different adjustment', 'IDEMPOTENCY_KEY_REUSED');
    }
    return { transaction: withoutTenant(first), replayed: true };
  }
}

function withoutTenant(t: BalanceTransaction & { tenantCode: string }): BalanceTransaction {
  const { tenantCode: _t, ...rest } = t;
  return rest;
}

/** A tenant's monthly bills for operators, newest period first. */
export async function operatorBills(ctx: AppContext, tenantCode: string, q: { limit: number; before?: number }): Promise<{ items: Bill[]; nextBefore: number | null }> {
  await existingTenant(ctx, tenantCode);
  const items = await listBills(ctx.db, tenantCode, q.limit, q.before);
  return { items, nextBefore: items.length === q.limit ? items[items.length - 1]!.id : null };
}

export type Settlement = 'paid' | 'overdue';
/** Which settlement may follow which status: a paid bill is final. */
const NEXT: Record<string, readonly Settlement[]> = { issued: ['paid', 'overdue'], overdue: ['paid'] };

/**
 * Marks one of a tenant's bills paid or overdue (audited with before and after); the account's
 * payment status becomes `overdue` while any bill is overdue and `normal` again once none is.
 * Repeating the bill's current status changes nothing and answers the bill; other moves out of
 * `paid` (or out of `draft`) are a 409.
 */
export async function settleBill(ctx: AppContext, actor: AuditActor, tenantCode: string, billId: number, status: Settlement): Promise<Bill> {
  await existingTenant(ctx, tenantCode);
  return withTransaction(ctx.db, async (conn) => {
    const bill = await lockBill(conn, tenantCode, billId);
    if (!bill) throw errors.notFound(`Tenant ${tenantCode} has no bill ${billId}`, 'BILL_NOT_FOUND');
    if (bill.status === status) return bill;
    if (!(NEXT[bill.status] ?? []).includes(status)) throw errors.conflict(`A ${bill.status} bill cannot be marked ${status}`, 'BILL_STATUS_CONFLICT');
    await setBillStatus(conn, billId, status);
    await setPaymentStatus(conn, tenantCode, (await countOverdueBills(conn, tenantCode)) > 0 ? 'overdue' : 'normal');
    await appendAudit(conn, ctx.secrets.auditKey, {
      ...actor,
      action: 'billing_record.settle',
      targetType: 'billing_record',
      targetId: billId,
      tenantCode,
      before: { status: bill.status },
      after: { status, periodStart: bill.periodStart, totalAmount: bill.totalAmount },
    });
    return { ...bill, status };
  });
}

/** Recharge-card batches, newest first (codes are never stored, so never listed). */
export async function cardBatchesPage(ctx: AppContext, q: { page: number; pageSize: number }): Promise<ListPage<CardBatch>> {
  return { ...(await listCardBatches(ctx.db, q.page, q.pageSize)), ...q };
}

/** Longest window of the operators' usage charts, in days. */
export const MAX_USAGE_CHART_DAYS = 90;

export interface AiUsageChart {
  tenantCode: string | null;
  from: string;
  to: string;
  /** Every day of the window, oldest first, zero when there were no calls. */
  days: Array<{ date: string; calls: number; tokens: number; cost: string }>;
  /** Per day and model, only where there were calls. */
  byModel: Array<{ date: string; modelId: number | null; model: string | null; calls: number; tokens: number; cost: string }>;
  models: Array<{ modelId: number | null; model: string | null; calls: number; tokens: number; cost: string }>;
}

const utcDay = (d: Date) => d.toISOString().slice(0, 10);

/** AI calls, tokens and cost per day (and per model) over the last `days` UTC days, of all tenants or one. */
export async function aiUsageChart(ctx: AppContext, q: { days: number; tenantCode?: string }, now: Date = new Date()): Promise<AiUsageChart> {
  const tenant = q.tenantCode === undefined ? undefined : await existingTenant(ctx, q.tenantCode);
  const since = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - (q.days - 1) * 86_400_000);
  const [rows, models] = await Promise.all([aiUsageByDayAndModel(ctx.db, utcDay(since), tenant?.id), listAiModels(ctx.db)]);
  const names = new Map(models.map((m) => [m.id, m.name]));
  type Sum = { calls: number; tokens: number; cost: number };
  const add = <K>(map: Map<K, Sum>, key: K, r: { calls: number; tokens: number; cost: string }) => {
    const acc = map.get(key) ?? { calls: 0, tokens: 0, cost: 0 };
    map.set(key, { calls: acc.calls + r.calls, tokens: acc.tokens + r.tokens, cost: acc.cost + decimalToMicros(r.cost) });
  };
  const perDay = new Map<string, Sum>();
  const perModel = new Map<number | null, Sum>();
  for (const r of rows) {
    add(perDay, r.date, r);
    add(perModel, r.modelId, r);
  }
  const days = Array.from({ length: q.days }, (_, i) => {
    const date = utcDay(new Date(since.getTime() + i * 86_400_000));
    const d = perDay.get(date) ?? { calls: 0, tokens: 0, cost: 0 };
    return { date, calls: d.calls, tokens: d.tokens, cost: microsToDecimal(d.cost) };
  });
  const name = (id: number | null) => (id === null ? null : names.get(id) ?? null);
  return {
    tenantCode: tenant?.tenantCode ?? null,
    from: days[0]!.date,
    to: days[days.length - 1]!.date,
    days,
    byModel: rows.map((r) => ({ ...r, model: name(r.modelId) })),
    models: [...perModel].map(([modelId, m]) => ({ modelId, model: name(modelId), calls: m.calls, tokens: m.tokens, cost: microsToDecimal(m.cost) })).sort((a, b) => b.calls - a.calls),
  };
}
