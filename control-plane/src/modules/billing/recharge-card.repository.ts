import type { Connection, RowDataPacket } from '@kg/shared';

/** A recharge card (`recharge_cards`); `code` holds the SHA-256 of the code, never the code. */
export interface RechargeCard {
  id: number;
  batchId: string;
  amount: string;
  status: 'unused' | 'used' | 'disabled';
  usedBy: string | null;
  expiresAt: Date;
}

const toCard = (r: RowDataPacket): RechargeCard => ({
  id: Number(r.id),
  batchId: r.batch_id,
  amount: String(r.amount),
  status: r.status,
  usedBy: r.used_by,
  expiresAt: r.expiry_date as Date,
});

export async function insertCards(
  conn: Connection,
  cards: Array<{ codeHash: string; batchId: string; amount: string; expiresAt: Date; createdBy: number | null }>,
): Promise<void> {
  await conn.query('INSERT INTO recharge_cards (code, batch_id, amount, expiry_date, created_by) VALUES ?', [
    cards.map((c) => [c.codeHash, c.batchId, c.amount, c.expiresAt, c.createdBy]),
  ]);
}

/** The card with this code hash, locked for the redeeming transaction. */
export async function lockCardByHash(conn: Connection, codeHash: string): Promise<RechargeCard | null> {
  const [rows] = await conn.query<RowDataPacket[]>('SELECT * FROM recharge_cards WHERE code = ? FOR UPDATE', [codeHash]);
  return rows[0] ? toCard(rows[0]) : null;
}

export async function markCardUsed(conn: Connection, id: number, tenantCode: string): Promise<void> {
  await conn.query("UPDATE recharge_cards SET status = 'used', used_by = ?, used_at = CURRENT_TIMESTAMP(3) WHERE id = ?", [tenantCode, id]);
}
