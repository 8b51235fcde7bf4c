import type { Pool, RowDataPacket } from '@kg/shared';

/**
 * Reader of `tenant_ai_usage_summary` in the control plane; the provisioner's daily roll-up
 * writes it (docs/ai-billing.md, "Usage roll-up and monthly bills"). Tenants are `tenants.id`.
 */
export interface DayModelUsage {
  date: string;
  modelId: number;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  /** Decimal string with six places. */
  cost: string;
  averageResponseTime: number;
  successRate: number;
  errors: number;
}

/** A tenant's rolled-up usage per day and model over the days [from, to], oldest first. */
export async function listDayUsage(db: Pool, tenantId: number, from: string, to: string): Promise<DayModelUsage[]> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT DATE_FORMAT(date, '%Y-%m-%d') AS day, model_id, total_calls, total_input_tokens, total_output_tokens,
            CAST(total_cost AS CHAR) AS cost, average_response_time, success_rate, error_count
       FROM tenant_ai_usage_summary WHERE tenant_id = ? AND date BETWEEN ? AND ? ORDER BY date, model_id`,
    [tenantId, from, to],
  );
  return rows.map((r) => ({
    date: String(r.day),
    modelId: Number(r.model_id),
    calls: Number(r.total_calls),
    inputTokens: Number(r.total_input_tokens),
    outputTokens: Number(r.total_output_tokens),
    cost: String(r.cost),
    averageResponseTime: Number(r.average_response_time),
    successRate: Number(r.success_rate),
    errors: Number(r.error_count),
  }));
}
