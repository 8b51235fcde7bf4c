import type { Pool, PoolConnection } from '@kg/shared';

/** Writes a security_events row (a purge that keeps failing needs a human; a restore is recorded). */
export async function securityEvent(
  db: Pool | PoolConnection,
  e: { type: string; severity: 'low' | 'medium' | 'high' | 'critical'; tenantCode: string; subjectType: string; subjectId: string; details: unknown },
): Promise<void> {
  await db.query(
    `INSERT INTO security_events (event_type, severity, subject_type, subject_id, tenant_code, details)
     VALUES (?, ?, ?, ?, ?, ?)`,
    [e.type, e.severity, e.subjectType, e.subjectId, e.tenantCode, JSON.stringify(e.details)],
  );
}
