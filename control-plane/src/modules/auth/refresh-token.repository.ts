import type { Connection, ResultSetHeader, RowDataPacket } from '@kg/shared';
import type { SubjectType } from './auth-log.repository';

export type RefreshTokenStatus = 'active' | 'rotated' | 'revoked';

/** A stored refresh token (only its SHA-256 is kept). */
export interface RefreshTokenRecord {
  id: number;
  familyId: string;
  /** The sign-in the family belongs to (its own id for a sign-in's family; older rows: the family). */
  sessionId: string;
  subjectType: SubjectType;
  subjectId: number;
  tenantCode: string | null;
  status: RefreshTokenStatus;
  revokeReason: string | null;
  /** expires_at has passed, by the database clock. */
  expired: boolean;
}

interface RefreshTokenRow extends RowDataPacket {
  id: number;
  family_id: string;
  session_id: string | null;
  subject_type: SubjectType;
  subject_id: number;
  tenant_code: string | null;
  status: RefreshTokenStatus;
  revoke_reason: string | null;
  expired: number;
}

const COLUMNS = 'id, family_id, session_id, subject_type, subject_id, tenant_code, status, revoke_reason, (expires_at <= NOW(3)) AS expired';

function toRecord(row: RefreshTokenRow): RefreshTokenRecord {
  return {
    id: Number(row.id),
    familyId: row.family_id,
    sessionId: row.session_id ?? row.family_id,
    subjectType: row.subject_type,
    subjectId: Number(row.subject_id),
    tenantCode: row.tenant_code,
    status: row.status,
    revokeReason: row.revoke_reason,
    expired: Boolean(row.expired),
  };
}

export async function insertRefreshToken(
  db: Connection,
  token: {
    tokenHash: string;
    familyId: string;
    sessionId: string;
    subjectType: SubjectType;
    subjectId: number;
    tenantCode: string | null;
    ttlSeconds: number;
    ip: string | null;
    userAgent: string | null;
  },
): Promise<number> {
  const [res] = await db.query<ResultSetHeader>(
    `INSERT INTO refresh_tokens (token_hash, family_id, session_id, subject_type, subject_id, tenant_code, status, expires_at, ip_address, user_agent)
     VALUES (?, ?, ?, ?, ?, ?, 'active', NOW(3) + INTERVAL ? SECOND, ?, ?)`,
    [
      token.tokenHash,
      token.familyId,
      token.sessionId,
      token.subjectType,
      token.subjectId,
      token.tenantCode,
      token.ttlSeconds,
      token.ip,
      token.userAgent,
    ],
  );
  return Number(res.insertId);
}

export async function findRefreshTokenByHash(db: Connection, tokenHash: string): Promise<RefreshTokenRecord | undefined> {
  const [rows] = await db.query<RefreshTokenRow[]>(`SELECT ${COLUMNS} FROM refresh_tokens WHERE token_hash = ?`, [tokenHash]);
  return rows[0] ? toRecord(rows[0]) : undefined;
}

/** Reads and row-locks a token inside a transaction, so two refreshes of one token serialise. */
export async function lockRefreshTokenByHash(conn: Connection, tokenHash: string): Promise<RefreshTokenRecord | undefined> {
  const [rows] = await conn.query<RefreshTokenRow[]>(
    `SELECT ${COLUMNS} FROM refresh_tokens WHERE token_hash = ? FOR UPDATE`,
    [tokenHash],
  );
  return rows[0] ? toRecord(rows[0]) : undefined;
}

export async function markRefreshTokenRotated(conn: Connection, id: number, replacedById: number): Promise<void> {
  await conn.query(
    "UPDATE refresh_tokens SET status = 'rotated', rotated_at = NOW(3), replaced_by_id = ? WHERE id = ?",
    [replacedById, id],
  );
}

/** Revokes the family's live token(s); rotated ones stay as they are, already unusable. */
export async function revokeRefreshFamily(db: Connection, familyId: string, reason: string): Promise<number> {
  const [res] = await db.query<ResultSetHeader>(
    "UPDATE refresh_tokens SET status = 'revoked', revoked_at = NOW(3), revoke_reason = ? WHERE family_id = ? AND status = 'active'",
    [reason, familyId],
  );
  return res.affectedRows;
}

/**
 * Revokes the live refresh tokens of one sign-in: its own family and every tenant-scoped family
 * derived from it (rows from before sign-in ids had none: their family is their sign-in).
 */
export async function revokeSignInRefreshTokens(db: Connection, sessionId: string, reason: string): Promise<number> {
  const [res] = await db.query<ResultSetHeader>(
    `UPDATE refresh_tokens SET status = 'revoked', revoked_at = NOW(3), revoke_reason = ?
      WHERE status = 'active' AND (session_id = ? OR (session_id IS NULL AND family_id = ?))`,
    [reason, sessionId, sessionId],
  );
  return res.affectedRows;
}

/** Revokes every live refresh token of one subject (sign out everywhere). */
export async function revokeSubjectRefreshTokens(
  db: Connection,
  subjectType: SubjectType,
  subjectId: number,
  reason: string,
): Promise<number> {
  const [res] = await db.query<ResultSetHeader>(
    `UPDATE refresh_tokens SET status = 'revoked', revoked_at = NOW(3), revoke_reason = ?
      WHERE subject_type = ? AND subject_id = ? AND status = 'active'`,
    [reason, subjectType, subjectId],
  );
  return res.affectedRows;
}
