import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from '@kg/shared';

/**
 * The provisioner's owner of `tenant_ai_usage_summary`, and its only reader of
 * `ai_service_call_logs` (the control plane writes the call log; docs/data-ownership.md).
 * Tenants are `tenants.id` in both tables.
 */
type Db = Pool | PoolConnection;

export interface DailyUsage {
  tenantId: number;
  modelId: number;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  /** Decimal string with six places. */
  cost: string;
  averageResponseTime: number;
  errors: number;
}

/** Per tenant and model, the calls logged in [from, to). */
export async function callLogUsage(db: Db, from: Date, to: Date): Promise<DailyUsage[]> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT tenant_id, model_id, COUNT(*) AS calls, SUM(input_tokens) AS inp, SUM(output_tokens) AS outp,
            CAST(SUM(cost) AS CHAR) AS cost, ROUND(AVG(COALESCE(response_time, 0))) AS avg_rt, SUM(status <> 'success') AS errs
       FROM ai_service_call_logs
      WHERE created_at >= ? AND created_at < ? AND model_id IS NOT NULL
      GROUP BY tenant_id, model_id`,
    [from, to],
  );
  return rows.map((r) => ({
    tenantId: Number(r.tenant_id),
    modelId: Number(r.model_id),
    calls: Number(r.calls),
    inputTokens: Number(r.inp),
    outputTokens: Number(r.outp),
    cost: String(r.cost),
    averageResponseTime: Number(r.avg_rt ?? 0),
    errors: Number(r.errs),
  }));
}

/**
 * Writes the day's figures of one tenant and model. The values are set, never added, so a re-run
 * over the same calls leaves the row as it was (MySQL does not even touch `updated_at`).
 */
export async function upsertDaySummary(db: Db, day: string, u: DailyUsage): Promise<void> {
  const successRate = u.calls === 0 ? '0' : ((u.calls - u.errors) / u.calls).toFixed(4);
  await db.query<ResultSetHeader>(
    `INSERT INTO tenant_ai_usage_summary
       (tenant_id, model_id, date, total_calls, total_input_tokens, total_output_tokens, total_cost, average_response_time, success_rate, error_count)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON DUPLICATE KEY UPDATE total_calls = VALUES(total_calls), total_input_tokens = VALUES(total_input_tokens),
       total_output_tokens = VALUES(total_output_tokens), total_cost = VALUES(total_cost),
       average_response_time = VALUES(average_response_time), success_rate = VALUES(success_rate), error_count = VALUES(error_count)`,
    [u.tenantId, u.modelId, day, u.calls, u.inputTokens, u.outputTokens, u.cost, u.averageResponseTime, successRate, u.errors],
  );
}

export interface MonthUsage {
  tenantId: number;
  calls: number;
  tokens: number;
  /** Sum of the call costs already charged to the balance, six places. */
  cost: string;
}

/** Per tenant, the summarised calls of the days [firstDay, lastDay]. */
export async function summaryTotals(db: Db, firstDay: string, lastDay: string): Promise<Map<number, MonthUsage>> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT tenant_id, SUM(total_calls) AS calls, SUM(total_input_tokens + total_output_tokens) AS tokens, CAST(SUM(total_cost) AS CHAR) AS cost
       FROM tenant_ai_usage_summary WHERE date BETWEEN ? AND ? GROUP BY tenant_id`,
    [firstDay, lastDay],
  );
  return new Map(
    rows.map((r) => [Number(r.tenant_id), { tenantId: Number(r.tenant_id), calls: Number(r.calls), tokens: Number(r.tokens), cost: String(r.cost) }]),
  );
}
