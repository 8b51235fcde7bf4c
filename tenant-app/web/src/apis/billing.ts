import type { BalanceTransaction, Bill, Query } from '@kg/web-ui';
import { api } from '../session';

export type { BalanceTransaction, Bill };

/** The kindergarten's account (GET /api/billing/account). */
export interface BillingAccount {
  tenantCode: string;
  planType: string;
  balance: number;
  creditLimit: number;
  paymentStatus: string;
  usage: { periodStart: string; aiTokens: number; monthlyAiTokens: number };
  transactions: BalanceTransaction[];
}

/** One day and model of the daily AI usage roll-up. */
export interface DayUsage {
  date: string;
  modelId: number;
  model: string | null;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  cost: string;
  averageResponseTime: number;
  successRate: number;
  errors: number;
}

export interface UsageReport {
  from: string;
  to: string;
  days: DayUsage[];
  totals: { calls: number; inputTokens: number; outputTokens: number; cost: string };
}

/** Keyset page: pass `nextBefore` as `before` for the next (older) page. */
export interface KeysetPage<T> {
  items: T[];
  nextBefore: number | null;
}

/** Balance, transactions, bills, usage and card redeems (docs/staff-app.md, Billing). */
export const billingApi = {
  account: () => api.get<BillingAccount>('/api/billing/account'),
  transactions: (query: Query) => api.get<KeysetPage<BalanceTransaction>>('/api/billing/transactions', query),
  bills: (query: Query) => api.get<KeysetPage<Bill>>('/api/billing/bills', query),
  usage: (query: Query) => api.get<UsageReport>('/api/billing/usage', query),
  redeem: (code: string) => api.post<{ amount: string; balance: string }>('/api/billing/recharge', { code }),
};
