import { AppError, errors } from '@kg/shared';
import { RateLimiterRes } from 'rate-limiter-flexible';
import type { AppContext } from '../../context';
import { bridgeState } from './bridge.state';

/** Start of the calendar month of `now` (the quota period), local time like the database clock. */
export function periodStart(now = new Date()): Date {
  return new Date(now.getFullYear(), now.getMonth(), 1);
}

/** The quota period of `now` as the database keeps it (`YYYY-MM-01`, local calendar like periodStart). */
export function periodKey(now = new Date()): string {
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-01`;
}

/** Start of the day of `now` (daily caps). */
export function dayStart(now = new Date()): Date {
  return new Date(now.getFullYear(), now.getMonth(), now.getDate());
}

/**
 * Counts one call against the tenant's per-minute rate (docs/ai-billing.md, "Limits"); the
 * counter lives in Redis so every instance shares it. Over the rate: 429 with Retry-After.
 */
export async function consumeRate(ctx: AppContext, tenantCode: string, perMinute: number): Promise<void> {
  try {
    await bridgeState(ctx).limiter(perMinute).consume(tenantCode);
  } catch (err) {
    if (err instanceof RateLimiterRes) {
      throw errors.rateLimited(err.msBeforeNext / 1000, `Tenant ${tenantCode} may make ${perMinute} AI calls a minute`);
    }
    throw errors.unavailable('The rate limiter is unavailable, try again shortly', err);
  }
}

/** 402 when the month's AI tokens reached the plan's quota. */
export function assertTokenQuota(used: number, quota: number): void {
  if (quota > 0 && used >= quota) {
    throw new AppError('AI_QUOTA_EXCEEDED', 402, "This month's AI token quota is used up", { details: { usedTokens: used, monthlyTokens: quota } });
  }
}
