import type { Connection, Pool, PoolConnection, ResultSetHeader, RowDataPacket } from '@kg/shared';

/**
 * The control plane's one owner of `signing_keys` (docs/data-ownership.md): the RS256 key pairs
 * every instance signs and verifies with, private keys sealed with MASTER_KEY (docs/auth.md,
 * "Keys and JWKS").
 */

export type SigningKeyStatus = 'active' | 'retiring' | 'retired';

export interface StoredKey {
  kid: string;
  publicKeyPem: string;
  /** The PKCS#8 PEM, sealed with MASTER_KEY. */
  sealedPrivateKey: string;
  status: SigningKeyStatus;
}

/** Keys that verify (active and retiring), newest first: the first active one signs. */
export async function listUsableKeys(db: Connection): Promise<StoredKey[]> {
  const [rows] = await db.query<RowDataPacket[]>(
    "SELECT kid, public_key_pem, private_key_enc, status FROM signing_keys WHERE status IN ('active','retiring') ORDER BY created_at DESC, kid DESC",
  );
  return rows.map((r) => ({ kid: r.kid, publicKeyPem: r.public_key_pem, sealedPrivateKey: r.private_key_enc, status: r.status }));
}

export async function hasActiveKey(db: Connection): Promise<boolean> {
  const [rows] = await db.query<RowDataPacket[]>("SELECT kid FROM signing_keys WHERE status = 'active' LIMIT 1");
  return rows.length > 0;
}

export async function insertActiveKey(
  db: Connection,
  key: { kid: string; publicKeyPem: string; sealedPrivateKey: string },
): Promise<void> {
  await db.query(
    "INSERT INTO signing_keys (kid, algorithm, public_key_pem, private_key_enc, status) VALUES (?, 'RS256', ?, ?, 'active')",
    [key.kid, key.publicKeyPem, key.sealedPrivateKey],
  );
}

/** Active keys stop signing but keep verifying (a rotation). */
export async function retireActiveKeys(conn: Connection): Promise<void> {
  await conn.query("UPDATE signing_keys SET status = 'retiring' WHERE status = 'active'");
}

/** Retires keys that stopped signing more than `olderThanSeconds` ago; returns how many. */
export async function retireOldKeys(db: Connection, olderThanSeconds: number): Promise<number> {
  const [res] = await db.query<ResultSetHeader>(
    "UPDATE signing_keys SET status = 'retired', retired_at = CURRENT_TIMESTAMP(3) WHERE status = 'retiring' AND kid NOT IN (SELECT kid FROM (SELECT kid FROM signing_keys WHERE status='active') a) AND created_at < (NOW(3) - INTERVAL ? SECOND)",
    [olderThanSeconds],
  );
  return res.affectedRows;
}

/**
 * Runs `fn` on one connection while holding the key-initialisation lock, so instances starting
 * together create one first key, not one each.
 */
export async function withKeyInitLock<T>(db: Pool, fn: (conn: PoolConnection) => Promise<T>): Promise<T> {
  const conn = await db.getConnection();
  try {
    await conn.query("SELECT GET_LOCK('kg:signing-key-init', 30)");
    return await fn(conn);
  } finally {
    await conn.query("SELECT RELEASE_LOCK('kg:signing-key-init')").catch(() => undefined);
    conn.release();
  }
}
