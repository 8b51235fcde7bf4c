import type { BalanceTransaction, Bill } from '@kg/web-ui';
import { api } from '../session';
import type { Page, PlanType } from './types';

export type { BalanceTransaction, Bill };

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
  status: string;
}

export interface BillingAccount {
  tenantCode: string;
  planType: PlanType;
  balance: string;
  creditLimit: string;
  paymentStatus: string;
  billingCycle: string;
  usage: { periodStart: string; aiTokens: number; monthlyAiTokens: number };
}

export interface CardBatch {
  batchId: string;
  value: string;
  count: number;
  redeemed: number;
  expiresAt: string;
  createdAt: string;
  createdBy: number | null;
}

export interface NewCardBatch {
  batchId: string;
  value: string;
  count: number;
  expiresAt: string;
  /** The codes in clear: in this answer only, never again. */
  codes: string[];
}

interface UsageFigures {
  calls: number;
  tokens: number;
  cost: string;
}

export interface AiUsageChart {
  tenantCode: string | null;
  from: string;
  to: string;
  days: Array<{ date: string } & UsageFigures>;
  byModel: Array<{ date: string; modelId: number | null; model: string | null } & UsageFigures>;
  models: Array<{ modelId: number | null; model: string | null } & UsageFigures>;
}

const enc = encodeURIComponent;

export const plansApi = {
  list: () => api.get<{ items: Plan[] }>('/api/plans'),
  change: (code: string, planType: PlanType) => api.put<Plan>(`/api/tenants/${enc(code)}/plan`, { planType }),
};

export const accountApi = {
  get: (code: string) => api.get<BillingAccount>(`/api/tenants/${enc(code)}/billing/account`),
  transactions: (code: string, limit: number, before?: number) =>
    api.get<{ items: BalanceTransaction[]; nextBefore: number | null }>(`/api/tenants/${enc(code)}/billing/transactions`, { limit, before }),
  bills: (code: string, limit: number) => api.get<{ items: Bill[]; nextBefore: number | null }>(`/api/tenants/${enc(code)}/billing/bills`, { limit }),
  settle: (code: string, id: number, status: 'paid' | 'overdue') => api.patch<Bill>(`/api/tenants/${enc(code)}/billing/bills/${id}`, { status }),
  /** `key` makes a retry of the same adjustment answer the first booking instead of booking twice. */
  adjust: (code: string, body: { amount: number; reason: string }, key: string) =>
    api.post<{ transaction: BalanceTransaction; replayed: boolean }>(`/api/tenants/${enc(code)}/billing/adjustments`, body, { headers: { 'idempotency-key': key } }),
};

export const cardsApi = {
  batches: (page: number, pageSize: number) => api.get<Page<CardBatch>>('/api/recharge-cards/batches', { page, pageSize }),
  create: (body: { value: number; count: number; expiresAt: string }) => api.post<NewCardBatch>('/api/recharge-cards/batches', body),
};

export const usageApi = {
  ai: (days: number, tenantCode?: string) => api.get<AiUsageChart>('/api/billing/ai-usage', { days, tenantCode }),
};

/** A random key for one operator action (works without a secure context, unlike randomUUID). */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `console-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** The CSV an operator downloads right after generating a batch: one card per line. */
export function cardsCsv(batch: NewCardBatch): string {
  const lines = ['code,value,expires_at,batch_id', ...batch.codes.map((c) => `${c},${batch.value},${batch.expiresAt},${batch.batchId}`)];
  return `${lines.join('\r\n')}\r\n`;
}
