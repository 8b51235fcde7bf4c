import type { Connection, Pool, RowDataPacket } from '@kg/shared';

/**
 * Owner of `billing_records` in the control plane: it reads them and settles them (status only);
 * the provisioner's monthly run writes them (docs/ai-billing.md, "Usage roll-up and monthly bills",
 * "Operators").
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

const BILL_COLUMNS = `id, DATE_FORMAT(period_start, '%Y-%m-%d') AS ps, DATE_FORMAT(period_end, '%Y-%m-%d') AS pe, CAST(base_fee AS CHAR) AS base_fee,
            CAST(overage_fee AS CHAR) AS overage_fee, CAST(total_amount AS CHAR) AS total_amount, status, details, created_at`;

/** A tenant's bills, newest period first; `beforeId` pages on. */
export async function listBills(db: Pool, tenantCode: string, limit: number, beforeId?: number): Promise<Bill[]> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT ${BILL_COLUMNS}
       FROM billing_records WHERE tenant_id = ? AND id < ? ORDER BY period_start DESC, id DESC LIMIT ?`,
    [tenantCode, beforeId ?? Number.MAX_SAFE_INTEGER, limit],
  );
  return rows.map(toBill);
}

function toBill(r: RowDataPacket): Bill {
  return {
    id: Number(r.id),
    periodStart: String(r.ps),
    periodEnd: String(r.pe),
    baseFee: String(r.base_fee),
    overageFee: String(r.overage_fee),
    totalAmount: String(r.total_amount),
    status: String(r.status),
    details: r.details === null ? null : typeof r.details === 'string' ? JSON.parse(r.details) : r.details,
    createdAt: (r.created_at as Date).toISOString(),
  };
}

/** One of a tenant's bills, locked for a status change; null when the tenant has no such bill. */
export async function lockBill(conn: Connection, tenantCode: string, id: number): Promise<Bill | null> {
  const [rows] = await conn.query<RowDataPacket[]>(`SELECT ${BILL_COLUMNS} FROM billing_records WHERE id = ? AND tenant_id = ? FOR UPDATE`, [id, tenantCode]);
  return rows[0] ? toBill(rows[0]) : null;
}

export async function setBillStatus(conn: Connection, id: number, status: 'paid' | 'overdue'): Promise<void> {
  await conn.query('UPDATE billing_records SET status = ? WHERE id = ?', [status, id]);
}

/** How many of a tenant's bills are overdue (its account's payment status follows it). */
export async function countOverdueBills(conn: Connection, tenantCode: string): Promise<number> {
  const [rows] = await conn.query<RowDataPacket[]>("SELECT COUNT(*) AS n FROM billing_records WHERE tenant_id = ? AND status = 'overdue'", [tenantCode]);
  return Number(rows[0]!.n);
}
