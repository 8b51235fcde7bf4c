import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from '@kg/shared';

export interface SmsCodeRow {
  id: number;
  codeHash: string;
  attempts: number;
  maxAttempts: number;
  expiresAt: Date;
}

/** Stores a new code; earlier unused codes for the same phone and purpose stop counting. */
export async function insertSmsCode(
  db: Pool,
  row: { phone: string; purpose: string; codeHash: string; maxAttempts: number; expiresAt: Date; ip: string | null },
): Promise<number> {
  await db.query(
    'UPDATE sms_verification_codes SET consumed_at = CURRENT_TIMESTAMP(3) WHERE phone = ? AND purpose = ? AND consumed_at IS NULL',
    [row.phone, row.purpose],
  );
  const [res] = await db.query<ResultSetHeader>(
    `INSERT INTO sms_verification_codes (phone, purpose, code_hash, max_attempts, expires_at, ip_address)
     VALUES (?, ?, ?, ?, ?, ?)`,
    [row.phone, row.purpose, row.codeHash, row.maxAttempts, row.expiresAt, row.ip],
  );
  return res.insertId;
}

/** The live (unconsumed) code for phone and purpose, locked for this transaction. */
export async function lockLatestCode(conn: PoolConnection, phone: string, purpose: string): Promise<SmsCodeRow | null> {
  const [rows] = await conn.query<RowDataPacket[]>(
    `SELECT id, code_hash, attempts, max_attempts, expires_at FROM sms_verification_codes
     WHERE phone = ? AND purpose = ? AND consumed_at IS NULL ORDER BY id DESC LIMIT 1 FOR UPDATE`,
    [phone, purpose],
  );
  if (!rows.length) return null;
  const r = rows[0];
  return { id: r.id, codeHash: r.code_hash, attempts: r.attempts, maxAttempts: r.max_attempts, expiresAt: r.expires_at };
}

export async function recordWrongAttempt(conn: PoolConnection, id: number): Promise<void> {
  await conn.query('UPDATE sms_verification_codes SET attempts = attempts + 1 WHERE id = ?', [id]);
}

export async function consumeCode(conn: PoolConnection, id: number): Promise<void> {
  await conn.query('UPDATE sms_verification_codes SET consumed_at = CURRENT_TIMESTAMP(3) WHERE id = ?', [id]);
}
