import type { Connection, ResultSetHeader, RowDataPacket } from '@kg/shared';

export const CALL_TYPES = ['chat', 'completion', 'embedding'] as const;
export type CallType = (typeof CALL_TYPES)[number];
export type CallStatus = 'success' | 'error' | 'timeout';

/** One AI call as `ai_service_call_logs` keeps it (the tenant is `tenants.id`). */
export interface CallLogEntry {
  tenantId: number;
  userId: string | null;
  modelId: number | null;
  requestId: string;
  callType: CallType;
  inputTokens: number;
  outputTokens: number;
  /** Decimal string with six places, exactly what the account is charged. */
  cost: string;
  responseTimeMs: number;
  status: CallStatus;
  errorMessage: string | null;
  userAgent: string | null;
  ipAddress: string | null;
  metadata: Record<string, unknown> | null;
}

/**
 * Records a call. Answers false when a call with this request id is already recorded (the unique
 * request id is what keeps a repeated request from being charged twice).
 */
export async function insertCallLog(conn: Connection, e: CallLogEntry): Promise<boolean> {
  const [res] = await conn.query<ResultSetHeader>(
    `INSERT IGNORE INTO ai_service_call_logs
       (tenant_id, user_id, model_id, request_id, call_type, input_tokens, output_tokens, total_tokens, cost,
        response_time, status, error_message, user_agent, ip_address, metadata)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      e.tenantId,
      e.userId,
      e.modelId,
      e.requestId,
      e.callType,
      e.inputTokens,
      e.outputTokens,
      e.inputTokens + e.outputTokens,
      e.cost,
      e.responseTimeMs,
      e.status,
      e.errorMessage,
      e.userAgent,
      e.ipAddress,
      e.metadata === null ? null : JSON.stringify(e.metadata),
    ],
  );
  return res.affectedRows === 1;
}

export async function callLogExists(db: Connection, requestId: string): Promise<boolean> {
  const [rows] = await db.query<RowDataPacket[]>('SELECT 1 FROM ai_service_call_logs WHERE request_id = ? LIMIT 1', [requestId]);
  return rows.length > 0;
}

/** Tokens a tenant used since `since` (the start of its quota period). */
export async function tokensSince(db: Connection, tenantId: number, since: Date): Promise<number> {
  const [rows] = await db.query<RowDataPacket[]>(
    'SELECT COALESCE(SUM(total_tokens), 0) AS n FROM ai_service_call_logs WHERE tenant_id = ? AND created_at >= ?',
    [tenantId, since],
  );
  return Number(rows[0]!.n);
}

/** Calls of a tenant to one model since `since` (daily caps). */
export async function callsSince(db: Connection, tenantId: number, modelId: number, since: Date): Promise<number> {
  const [rows] = await db.query<RowDataPacket[]>(
    'SELECT COUNT(*) AS n FROM ai_service_call_logs WHERE tenant_id = ? AND model_id = ? AND created_at >= ?',
    [tenantId, modelId, since],
  );
  return Number(rows[0]!.n);
}

/** Sum of the costs of a tenant's calls (reconciliation). */
export async function totalCost(db: Connection, tenantId: number): Promise<string> {
  const [rows] = await db.query<RowDataPacket[]>('SELECT COALESCE(SUM(cost), 0) AS c FROM ai_service_call_logs WHERE tenant_id = ?', [tenantId]);
  return String(rows[0]!.c);
}

export interface DailyUsageRow {
  tenantId: number;
  modelId: number;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  cost: string;
  averageResponseTime: number;
  errors: number;
}

/** Per tenant and model, the calls of one day [from, to), for the daily roll-up. */
export async function dailyUsage(db: Connection, from: Date, to: Date): Promise<DailyUsageRow[]> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT tenant_id, model_id, COUNT(*) AS calls, SUM(input_tokens) AS inp, SUM(output_tokens) AS outp, SUM(cost) AS cost,
            ROUND(AVG(response_time)) AS avg_rt, SUM(status <> 'success') AS errs
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
