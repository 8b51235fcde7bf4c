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

/** A batch of cards as the operators see it: no codes, only what the rows say about the batch. */
export interface CardBatch {
  batchId: string;
  /** Face value of each card, a decimal string. */
  value: string;
  count: number;
  redeemed: number;
  expiresAt: string;
  createdAt: string;
  createdBy: number | null;
}

/** Batches, newest first, with how many of their cards were redeemed. */
export async function listCardBatches(db: Connection, page: number, pageSize: number): Promise<{ items: CardBatch[]; total: number }> {
  const [[count], [rows]] = await Promise.all([
    db.query<RowDataPacket[]>('SELECT COUNT(DISTINCT batch_id) AS n FROM recharge_cards'),
    db.query<RowDataPacket[]>(
      `SELECT batch_id, CAST(MIN(amount) AS CHAR) AS amount, COUNT(*) AS n, SUM(status = 'used') AS redeemed,
              MIN(expiry_date) AS expiry_date, MIN(created_at) AS created_at, MIN(created_by) AS created_by
         FROM recharge_cards GROUP BY batch_id ORDER BY MIN(created_at) DESC, batch_id LIMIT ? OFFSET ?`,
      [pageSize, (page - 1) * pageSize],
    ),
  ]);
  return {
    total: Number(count[0]!.n),
    items: rows.map((r) => ({
      batchId: String(r.batch_id),
      value: String(r.amount),
      count: Number(r.n),
      redeemed: Number(r.redeemed),
      expiresAt: (r.expiry_date as Date).toISOString(),
      createdAt: (r.created_at as Date).toISOString(),
      createdBy: r.created_by === null ? null : Number(r.created_by),
    })),
  };
}
