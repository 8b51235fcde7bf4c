import { connect, publishTenantNotification } from '@kg/shared';
import type { AppContext } from '../../context';
import { listTenantUserIdsWithRole } from '../auth/tenant-binding.repository';
import { tenantServerTarget } from '../tenants/tenant.service';
import type { Tenant } from '../tenants/tenant.repository';
import { claimQuotaNotice } from './quota-notice.repository';

/** Share of a quota at which the tenant's admins are told (docs/ai-billing.md, "Limits"). */
export const QUOTA_NOTICE_SHARE = 0.8;

/**
 * Tells the tenant's admins, once per period, that `used` has reached 80% of `limit`: claims the
 * period's notice row first, then writes a notification in the tenant's own database.
 */
export async function noticeQuotaIfDue(
  ctx: AppContext,
  tenant: Tenant,
  quota: 'monthly_ai_tokens',
  used: number,
  limit: number,
  period: Date,
): Promise<boolean> {
  if (limit <= 0 || used < limit * QUOTA_NOTICE_SHARE) return false;
  if (!(await claimQuotaNotice(ctx.db, tenant.tenantCode, quota, period))) return false;
  const admins = await listTenantUserIdsWithRole(ctx.db, tenant.tenantCode, 'admin');
  const conn = await connect(await tenantServerTarget(ctx, tenant), tenant.databaseName);
  try {
    const pct = Math.floor((used / limit) * 100);
    await publishTenantNotification(conn, {
      title: 'AI quota 80% used / AI 额度已用 80%',
      content: `This month ${used} of ${limit} AI tokens (${pct}%) are used. 本月已使用 ${used} / ${limit} 个 AI 令牌（${pct}%）。`,
      targetUserIds: admins,
    });
  } finally {
    await conn.end().catch(() => undefined);
  }
  ctx.logger.info({ tenantCode: tenant.tenantCode, quota, used, limit }, 'quota notice sent');
  return true;
}
