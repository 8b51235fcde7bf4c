import { errors } from '@kg/shared';
import type { AppContext } from '../../context';
import type { BridgeCaller } from '../ai-bridge/bridge-caller.service';
import { decimalToMicros, microsToDecimal } from '../ai-bridge/cost';
import { listAiModels } from '../ai-models/ai-model.repository';
import { listTransactions, type BalanceTransaction } from './account.repository';
import { listBills, type Bill } from './billing-record.repository';
import { listDayUsage, type DayModelUsage } from './usage-summary.repository';

/** Longest range of days one usage answer covers. */
export const MAX_USAGE_DAYS = 366;

export interface UsageReport {
  tenantCode: string;
  from: string;
  to: string;
  days: Array<DayModelUsage & { model: string | null }>;
  totals: { calls: number; inputTokens: number; outputTokens: number; cost: string };
}

/**
 * The caller's tenant's AI usage per day and model, as the daily roll-up summarised it
 * (docs/ai-billing.md, "Usage roll-up and monthly bills"): days not rolled up yet (today) are absent.
 */
export async function usageReport(ctx: AppContext, caller: BridgeCaller, range: { from: string; to: string }): Promise<UsageReport> {
  const span = (Date.parse(`${range.to}T00:00:00Z`) - Date.parse(`${range.from}T00:00:00Z`)) / 86_400_000;
  if (span < 0) throw errors.validation([{ field: 'to', message: 'must not be before from' }]);
  if (span >= MAX_USAGE_DAYS) throw errors.validation([{ field: 'to', message: `at most ${MAX_USAGE_DAYS} days after from` }]);
  const [rows, models] = await Promise.all([listDayUsage(ctx.db, caller.tenant.id, range.from, range.to), listAiModels(ctx.db)]);
  const names = new Map(models.map((m) => [m.id, m.name]));
  let cost = 0;
  const totals = { calls: 0, inputTokens: 0, outputTokens: 0 };
  for (const r of rows) {
    totals.calls += r.calls;
    totals.inputTokens += r.inputTokens;
    totals.outputTokens += r.outputTokens;
    cost += decimalToMicros(r.cost);
  }
  return {
    tenantCode: caller.tenant.tenantCode,
    ...range,
    days: rows.map((r) => ({ ...r, model: names.get(r.modelId) ?? null })),
    totals: { ...totals, cost: microsToDecimal(cost) },
  };
}

export interface Page<T> {
  items: T[];
  /** Pass as `before` for the next (older) page; null on the last page. */
  nextBefore: number | null;
}

function page<T extends { id: number }>(items: T[], limit: number): Page<T> {
  return { items, nextBefore: items.length === limit ? items[items.length - 1]!.id : null };
}

/** The caller's tenant's bills, newest first. */
export async function billsPage(ctx: AppContext, caller: BridgeCaller, q: { limit: number; before?: number }): Promise<Page<Bill>> {
  return page(await listBills(ctx.db, caller.tenant.tenantCode, q.limit, q.before), q.limit);
}

/** The caller's tenant's balance transactions, newest first. */
export async function transactionsPage(ctx: AppContext, caller: BridgeCaller, q: { limit: number; before?: number }): Promise<Page<BalanceTransaction>> {
  return page(await listTransactions(ctx.db, caller.tenant.tenantCode, q.limit, q.before), q.limit);
}
