import type { Connection, ResultSetHeader } from '@kg/shared';

/**
 * Claims the one notice of a tenant's quota for a period (`tenant_quota_notices`). Answers true
 * for exactly one caller, however many instances cross the threshold at the same moment.
 */
export async function claimQuotaNotice(db: Connection, tenantCode: string, quota: string, periodStart: Date): Promise<boolean> {
  const [res] = await db.query<ResultSetHeader>('INSERT IGNORE INTO tenant_quota_notices (tenant_id, quota, period_start) VALUES (?, ?, ?)', [
    tenantCode,
    quota,
    periodStart,
  ]);
  return res.affectedRows === 1;
}
