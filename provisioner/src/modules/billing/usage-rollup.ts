import type { ProvisionerContext } from '../../context';
import { dayRange } from './period';
import { callLogUsage, upsertDaySummary } from './usage.repository';

/**
 * Summarises one UTC day of `ai_service_call_logs` into `tenant_ai_usage_summary`, one row per
 * tenant and model. Idempotent: the figures are recomputed from the log and set, so a re-run
 * over the same calls changes nothing (docs/ai-billing.md, "Usage roll-up and monthly bills").
 */
export async function rollUpDay(ctx: ProvisionerContext, day: string): Promise<{ day: string; rows: number }> {
  const { from, to } = dayRange(day);
  const usage = await callLogUsage(ctx.db, from, to);
  for (const u of usage) await upsertDaySummary(ctx.db, day, u);
  ctx.logger.info({ day, rows: usage.length }, 'usage roll-up done');
  return { day, rows: usage.length };
}
