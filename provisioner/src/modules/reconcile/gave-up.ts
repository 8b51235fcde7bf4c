import { publishTenantStatus } from '@kg/shared';
import type { ProvisionerContext } from '../../context';
import { failTenant } from '../create/pipeline';
import { findTenantStatus } from '../tenants/tenant.repository';

/**
 * Marks a tenant `failed` with `reason` because its create job is finished for good (BullMQ gave
 * up on it) while the tenant is still `provisioning`: never a silent `provisioning`. Does nothing
 * when the pipeline already recorded its own outcome. Returns true when the tenant was failed.
 */
export async function failTenantGivenUp(ctx: ProvisionerContext, tenantCode: string, reason: string): Promise<boolean> {
  if ((await findTenantStatus(ctx.db, tenantCode)) !== 'provisioning') return false;
  await failTenant(ctx, tenantCode, 'pipeline', reason);
  await publishTenantStatus(ctx.redis, ctx.config.REDIS_KEY_PREFIX, tenantCode, 'failed').catch((err) =>
    ctx.logger.warn({ tenant: tenantCode, err: (err as Error).message }, 'tenant status publish failed'),
  );
  return true;
}
