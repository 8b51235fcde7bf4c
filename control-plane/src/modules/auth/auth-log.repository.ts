import type { Connection } from '@kg/shared';

/** Who signed in or acted: an operator (admin_users) or a tenant user (global_users). */
export type SubjectType = 'admin' | 'user';

/** Where a request came from, for the auth logs. */
export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

/** Why a sign-in attempt failed, as stored in login_history.failure_reason. */
export type LoginFailureReason = 'unknown_account' | 'invalid_password' | 'account_locked' | 'account_disabled';

/** Event types of unified_auth_logs. */
export type AuthEventType =
  | 'register'
  | 'login'
  | 'login_failed'
  | 'refresh'
  | 'refresh_reuse'
  | 'logout'
  | 'switch_tenant'
  | 'password_change';

/** One row of login_history: every sign-in attempt, successful or not (docs/auth.md, "Lockout"). */
export async function recordLoginAttempt(
  db: Connection,
  attempt: {
    subjectType: SubjectType;
    subjectId: number | null;
    identifier: string;
    success: boolean;
    failureReason?: LoginFailureReason;
    client: ClientInfo;
  },
): Promise<void> {
  await db.query(
    `INSERT INTO login_history (subject_type, subject_id, identifier, success, failure_reason, ip_address, user_agent)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
    [
      attempt.subjectType,
      attempt.subjectId,
      attempt.identifier.slice(0, 100),
      attempt.success ? 1 : 0,
      attempt.failureReason ?? null,
      attempt.client.ip,
      attempt.client.userAgent,
    ],
  );
}

/** One row of unified_auth_logs: the audit trail of sessions (register, login, refresh, ...). */
export async function recordAuthEvent(
  db: Connection,
  event: {
    subjectType: SubjectType;
    subjectId: number | null;
    eventType: AuthEventType;
    success?: boolean;
    tenantCode?: string | null;
    client: ClientInfo;
    details?: Record<string, unknown>;
  },
): Promise<void> {
  await db.query(
    `INSERT INTO unified_auth_logs (subject_type, subject_id, event_type, tenant_code, success, ip_address, user_agent, details)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      event.subjectType,
      event.subjectId,
      event.eventType,
      event.tenantCode ?? null,
      event.success === false ? 0 : 1,
      event.client.ip,
      event.client.userAgent,
      event.details ? JSON.stringify(event.details) : null,
    ],
  );
}

/** One row of security_events: something an operator should look at (lockouts, token reuse). */
export async function recordSecurityEvent(
  db: Connection,
  event: {
    eventType: 'account_locked' | 'refresh_token_reuse';
    severity: 'low' | 'medium' | 'high' | 'critical';
    subjectType: SubjectType;
    subjectId: number;
    tenantCode?: string | null;
    ip: string | null;
    details?: Record<string, unknown>;
  },
): Promise<void> {
  await db.query(
    `INSERT INTO security_events (event_type, severity, subject_type, subject_id, tenant_code, ip_address, details)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
    [
      event.eventType,
      event.severity,
      event.subjectType,
      String(event.subjectId),
      event.tenantCode ?? null,
      event.ip,
      event.details ? JSON.stringify(event.details) : null,
    ],
  );
}
