import type { Connection, Pool, RowDataPacket } from 'mysql2/promise';

/**
 * The only SQL against `auth_valid_after` and `auth_revoked_sessions` (docs/security.md,
 * "Sessions and revocation"). The control plane writes them; the control plane and the tenant app
 * read them into memory (SessionRevocations).
 */
export type SessionSubjectType = 'admin' | 'user';

export interface RevokedSessionRow {
  sessionId: string;
  expiresAtMs: number;
}

export interface ValidAfterRow {
  subjectType: SessionSubjectType;
  subjectId: string;
  validAfterMs: number;
  expiresAtMs: number;
}

/**
 * Revocations still in force at `nowMs`; with `changedSinceMs`, only those written since then
 * (the incremental reload behind the announcements).
 */
export async function loadRevocations(
  db: Pool | Connection,
  nowMs: number,
  changedSinceMs = 0,
): Promise<{ sessions: RevokedSessionRow[]; subjects: ValidAfterRow[] }> {
  const [sessions] = await db.query<RowDataPacket[]>(
    'SELECT session_id, expires_at_ms FROM auth_revoked_sessions WHERE expires_at_ms > ? AND revoked_at_ms >= ?',
    [nowMs, changedSinceMs],
  );
  const [subjects] = await db.query<RowDataPacket[]>(
    `SELECT subject_type, subject_id, valid_after_ms, expires_at_ms FROM auth_valid_after
      WHERE expires_at_ms > ? AND valid_after_ms >= ?`,
    [nowMs, changedSinceMs],
  );
  return {
    sessions: sessions.map((r) => ({ sessionId: String(r.session_id), expiresAtMs: Number(r.expires_at_ms) })),
    subjects: subjects.map((r) => ({
      subjectType: r.subject_type as SessionSubjectType,
      subjectId: String(r.subject_id),
      validAfterMs: Number(r.valid_after_ms),
      expiresAtMs: Number(r.expires_at_ms),
    })),
  };
}

/** Records an ended sign-in (idempotent; a later expiry wins). */
export async function insertRevokedSession(
  db: Pool | Connection,
  row: { sessionId: string; subjectType: SessionSubjectType; subjectId: number; reason: string; revokedAtMs: number; expiresAtMs: number },
): Promise<void> {
  await db.query(
    `INSERT INTO auth_revoked_sessions (session_id, subject_type, subject_id, reason, revoked_at_ms, expires_at_ms)
     VALUES (?, ?, ?, ?, ?, ?)
     ON DUPLICATE KEY UPDATE expires_at_ms = GREATEST(expires_at_ms, VALUES(expires_at_ms)),
                             revoked_at_ms = GREATEST(revoked_at_ms, VALUES(revoked_at_ms))`,
    [row.sessionId, row.subjectType, row.subjectId, row.reason, row.revokedAtMs, row.expiresAtMs],
  );
}

/**
 * Moves a subject's "valid after" moment forward (never back: two revocations racing keep the
 * later one) and returns the moment now in force.
 */
export async function raiseValidAfter(
  db: Pool | Connection,
  row: { subjectType: SessionSubjectType; subjectId: number; reason: string; validAfterMs: number; expiresAtMs: number },
): Promise<{ validAfterMs: number; expiresAtMs: number }> {
  await db.query(
    `INSERT INTO auth_valid_after (subject_type, subject_id, valid_after_ms, expires_at_ms, reason)
     VALUES (?, ?, ?, ?, ?)
     ON DUPLICATE KEY UPDATE reason = IF(VALUES(valid_after_ms) > valid_after_ms, VALUES(reason), reason),
                             valid_after_ms = GREATEST(valid_after_ms, VALUES(valid_after_ms)),
                             expires_at_ms = GREATEST(expires_at_ms, VALUES(expires_at_ms))`,
    [row.subjectType, row.subjectId, row.validAfterMs, row.expiresAtMs, row.reason],
  );
  const [rows] = await db.query<RowDataPacket[]>(
    'SELECT valid_after_ms, expires_at_ms FROM auth_valid_after WHERE subject_type = ? AND subject_id = ?',
    [row.subjectType, row.subjectId],
  );
  return { validAfterMs: Number(rows[0]!.valid_after_ms), expiresAtMs: Number(rows[0]!.expires_at_ms) };
}
