import type { Connection, RowDataPacket } from '@kg/shared';

/**
 * Reads `ai_service_call_logs` for the dashboard, and nothing else (docs/data-ownership.md): the
 * AI bridge appends the rows; the console only counts them. Every other panel of the dashboard
 * asks the owner of its table (stats.service.ts).
 */

/** AI calls and their cost per UTC day since `since` (days without calls are absent). */
export async function dailyAiUsage(db: Connection, since: string): Promise<Map<string, { calls: number; cost: number }>> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT DATE_FORMAT(created_at, '%Y-%m-%d') AS d, COUNT(*) AS calls, COALESCE(SUM(cost), 0) AS cost
       FROM ai_service_call_logs WHERE created_at >= ? GROUP BY d`,
    [since],
  );
  return new Map(rows.map((r) => [String(r.d), { calls: Number(r.calls), cost: Number(r.cost) }]));
}
