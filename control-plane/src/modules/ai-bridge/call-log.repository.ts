import type { Connection, Pool, ResultSetHeader, RowDataPacket } from '@kg/shared';
import { decimalToMicros } from './cost';

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

/** What `logAndCharge` answers. */
export interface Settlement {
  /** False when this request id was logged before: nothing was written, nothing charged. */
  inserted: boolean;
  /** The balance after the charge; null when nothing was charged (a repeat, or a cost of 0). */
  balanceAfter: string | null;
}

/**
 * The settlement of a finished call as one compound statement (MariaDB's `BEGIN NOT ATOMIC`), so
 * it is one round trip without a stored routine to grant, dump and keep in step: the call-log row
 * goes in with `INSERT IGNORE` (unique request id) and, only when it was inserted, the period's
 * token counter (`tenant_ai_token_usage`) grows, the balance moves and the `charge` row is booked
 * with the balance after it, in one transaction that commits together or not at all. The ledger rule is `applyBalanceChange`'s (billing/account.repository.ts).
 * The values are bound by the driver as escaped literals (client-side `query`), never spliced.
 */
const SETTLE_CALL = `BEGIN NOT ATOMIC
  DECLARE p_tenant_id INT UNSIGNED DEFAULT ?;
  DECLARE p_tenant_code VARCHAR(50) DEFAULT ?;
  DECLARE p_user_id VARCHAR(255) DEFAULT ?;
  DECLARE p_model_id INT UNSIGNED DEFAULT ?;
  DECLARE p_request_id VARCHAR(255) DEFAULT ?;
  DECLARE p_call_type VARCHAR(20) DEFAULT ?;
  DECLARE p_input_tokens INT UNSIGNED DEFAULT ?;
  DECLARE p_output_tokens INT UNSIGNED DEFAULT ?;
  DECLARE p_cost DECIMAL(12,6) DEFAULT ?;
  DECLARE p_response_time INT UNSIGNED DEFAULT ?;
  DECLARE p_user_agent TEXT DEFAULT ?;
  DECLARE p_ip_address VARCHAR(64) DEFAULT ?;
  DECLARE p_metadata LONGTEXT DEFAULT ?;
  DECLARE p_description VARCHAR(500) DEFAULT ?;
  DECLARE p_period DATE DEFAULT ?;
  DECLARE v_inserted INT DEFAULT 0;
  DECLARE v_balance DECIMAL(18,6) DEFAULT NULL;
  DECLARE EXIT HANDLER FOR SQLEXCEPTION
  BEGIN
    ROLLBACK;
    RESIGNAL;
  END;
  START TRANSACTION;
  INSERT IGNORE INTO ai_service_call_logs
    (tenant_id, user_id, model_id, request_id, call_type, input_tokens, output_tokens, total_tokens, cost,
     response_time, status, error_message, user_agent, ip_address, metadata)
  VALUES (p_tenant_id, p_user_id, p_model_id, p_request_id, p_call_type, p_input_tokens, p_output_tokens,
          p_input_tokens + p_output_tokens, p_cost, p_response_time, 'success', NULL, p_user_agent, p_ip_address, p_metadata);
  SET v_inserted = ROW_COUNT();
  IF v_inserted = 1 THEN
    -- The quota counter moves with the call log row (docs/ai-billing.md, "Limits").
    INSERT INTO tenant_ai_token_usage (tenant_id, period_start, tokens)
    VALUES (p_tenant_id, p_period, p_input_tokens + p_output_tokens)
    ON DUPLICATE KEY UPDATE tokens = tokens + VALUES(tokens);
  END IF;
  IF v_inserted = 1 AND p_cost <> 0 THEN
    -- The UPDATE locks the account row: concurrent charges of the tenant queue here.
    UPDATE tenant_accounts SET balance = balance - p_cost WHERE tenant_id = p_tenant_code;
    IF ROW_COUNT() <> 1 THEN
      SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'no billing account';
    END IF;
    SELECT balance INTO v_balance FROM tenant_accounts WHERE tenant_id = p_tenant_code;
    INSERT INTO tenant_balance_transactions (tenant_id, type, amount, balance_after, reference, description, created_by)
    VALUES (p_tenant_code, 'charge', -p_cost, v_balance, p_request_id, p_description, p_user_id);
  END IF;
  COMMIT;
  SELECT v_inserted AS inserted, CAST(v_balance AS CHAR) AS balance_after;
END`;

/**
 * Logs a successful call and charges its cost to the tenant's account in one round trip
 * (`SETTLE_CALL`; docs/ai-billing.md, "How charging stays exact"). One round trip instead of six
 * also means the account row stays locked only inside the server, so one tenant's charges queue
 * less. Raises `NoBillingAccountError` (and writes nothing) when the tenant has no account.
 */
export async function logAndCharge(
  db: Pool,
  e: Omit<CallLogEntry, 'status' | 'errorMessage'>,
  charge: { tenantCode: string; description: string; /** Quota period, `YYYY-MM-01`. */ period: string },
): Promise<Settlement> {
  try {
    const [sets] = await db.query<RowDataPacket[][]>(SETTLE_CALL, [
      e.tenantId,
      charge.tenantCode,
      e.userId,
      e.modelId,
      e.requestId,
      e.callType,
      e.inputTokens,
      e.outputTokens,
      e.cost,
      e.responseTimeMs,
      e.userAgent,
      e.ipAddress,
      e.metadata === null ? null : JSON.stringify(e.metadata),
      charge.description,
      charge.period,
    ]);
    const row = sets[0]![0]!;
    return { inserted: Number(row.inserted) === 1, balanceAfter: row.balance_after === null ? null : String(row.balance_after) };
  } catch (err) {
    if ((err as { sqlState?: string; message?: string }).sqlState === '45000' && /no billing account/.test((err as Error).message)) {
      throw new NoBillingAccountError(charge.tenantCode);
    }
    throw err;
  }
}

/** The tenant of a charged call has no `tenant_accounts` row; nothing was logged or charged. */
export class NoBillingAccountError extends Error {
  constructor(readonly tenantCode: string) {
    super(`Tenant ${tenantCode} has no billing account`);
  }
}

/** What a call is checked against before it runs (`preCallState`). */
export interface PreCallState {
  /** Balance plus credit limit in millionths; null when the tenant has no account. */
  availableMicros: number | null;
  /** Tokens the tenant's calls used in the quota period. */
  usedTokens: number;
  /** The request id was logged before (false when none was given). */
  seen: boolean;
}

/**
 * Everything a call is checked against before it runs, in one query (docs/ai-billing.md, "Bridge
 * overhead"): the account's funds, the period's token counter (one row, kept by the charge) and
 * whether `requestId` was logged before. Reads `tenant_accounts`, whose owner is
 * billing/account.repository.ts, for the same reason `SETTLE_CALL` writes it: one round trip.
 */
export async function preCallState(db: Connection, t: { id: number; tenantCode: string }, period: string, requestId: string | null): Promise<PreCallState> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT (SELECT CAST(balance + credit_limit AS CHAR) FROM tenant_accounts WHERE tenant_id = ?) AS available,
            (SELECT tokens FROM tenant_ai_token_usage WHERE tenant_id = ? AND period_start = ?) AS used,
            (? IS NOT NULL AND EXISTS (SELECT 1 FROM ai_service_call_logs WHERE request_id = ?)) AS seen`,
    [t.tenantCode, t.id, period, requestId, requestId],
  );
  const r = rows[0]!;
  return { availableMicros: r.available === null ? null : decimalToMicros(String(r.available)), usedTokens: Number(r.used ?? 0), seen: Number(r.seen) === 1 };
}

/** Tokens a tenant's calls used in the quota period `period` (`YYYY-MM-01`). */
export async function tokensUsed(db: Connection, tenantId: number, period: string): Promise<number> {
  const [rows] = await db.query<RowDataPacket[]>('SELECT tokens FROM tenant_ai_token_usage WHERE tenant_id = ? AND period_start = ?', [tenantId, period]);
  return rows[0] ? Number(rows[0].tokens) : 0;
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

/** AI calls and their cost per UTC day since `since`, for the dashboard (days without calls are absent). */
export async function dailyAiUsage(db: Connection, since: string): Promise<Map<string, { calls: number; cost: number }>> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT DATE_FORMAT(created_at, '%Y-%m-%d') AS d, COUNT(*) AS calls, COALESCE(SUM(cost), 0) AS cost
       FROM ai_service_call_logs WHERE created_at >= ? GROUP BY d`,
    [since],
  );
  return new Map(rows.map((r) => [String(r.d), { calls: Number(r.calls), cost: Number(r.cost) }]));
}

/** One UTC day's calls to one model (model null: the call failed before a model was chosen). */
export interface DayModelCalls {
  date: string;
  modelId: number | null;
  calls: number;
  tokens: number;
  /** Decimal string with six places. */
  cost: string;
}

/**
 * Calls, tokens and cost per UTC day and model since `since` (YYYY-MM-DD), of one tenant or of
 * all, for the operators' usage charts; days without calls are absent. Read from the call log
 * (range on created_at), so today is included.
 */
export async function aiUsageByDayAndModel(db: Connection, since: string, tenantId?: number): Promise<DayModelCalls[]> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT DATE_FORMAT(created_at, '%Y-%m-%d') AS d, model_id, COUNT(*) AS calls, COALESCE(SUM(total_tokens), 0) AS tokens,
            CAST(COALESCE(SUM(cost), 0) AS CHAR) AS cost
       FROM ai_service_call_logs WHERE created_at >= ? ${tenantId === undefined ? '' : 'AND tenant_id = ?'}
      GROUP BY d, model_id ORDER BY d, model_id`,
    tenantId === undefined ? [since] : [since, tenantId],
  );
  return rows.map((r) => ({
    date: String(r.d),
    modelId: r.model_id === null ? null : Number(r.model_id),
    calls: Number(r.calls),
    tokens: Number(r.tokens),
    cost: String(r.cost),
  }));
}
