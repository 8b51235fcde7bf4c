import type { Pool, RowDataPacket } from '@kg/shared';

/**
 * Reader of `billing_records` in the control plane; the provisioner's monthly run writes them
 * (docs/ai-billing.md, "Usage roll-up and monthly bills").
 */
export interface Bill {
  id: number;
  periodStart: string;
  periodEnd: string;
  /** Decimal strings. */
  baseFee: string;
  overageFee: string;
  totalAmount: string;
  status: string;
  details: Record<string, unknown> | null;
  createdAt: string;
}

/** A tenant's bills, newest period first; `beforeId` pages on. */
export async function listBills(db: Pool, tenantCode: string, limit: number, beforeId?: number): Promise<Bill[]> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT id, DATE_FORMAT(period_start, '%Y-%m-%d') AS ps, DATE_FORMAT(period_end, '%Y-%m-%d') AS pe, CAST(base_fee AS CHAR) AS base_fee,
            CAST(overage_fee AS CHAR) AS overage_fee, CAST(total_amount AS CHAR) AS total_amount, status, details, created_at
       FROM billing_records WHERE tenant_id = ? AND id < ? ORDER BY period_start DESC, id DESC LIMIT ?`,
    [tenantCode, beforeId ?? Number.MAX_SAFE_INTEGER, limit],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    periodStart: String(r.ps),
    periodEnd: String(r.pe),
    baseFee: String(r.base_fee),
    overageFee: String(r.overage_fee),
    totalAmount: String(r.total_amount),
    status: String(r.status),
    details: r.details === null ? null : typeof r.details === 'string' ? JSON.parse(r.details) : r.details,
    createdAt: (r.created_at as Date).toISOString(),
  }));
}
