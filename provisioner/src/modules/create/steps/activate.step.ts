import { publishTenantStatus, withTransaction } from '@kg/shared';
import { markTenantActive } from '../../tenants/tenant.repository';
import { markFinished } from '../progress.repository';
import { PermanentStepError, type CreateStep } from '../step';

/**
 * Step 8: the tenant becomes `active`, together with its last step row and the progress summary
 * (one transaction, so a worker killed afterwards finds a finished pipeline), then the change is
 * announced on the tenant status channel.
 */
export const activateTenant: CreateStep = {
  name: 'activate',
  async run({ ctx, tenant, checkpoint }) {
    await withTransaction(ctx.db, async (conn) => {
      const status = await markTenantActive(conn, tenant.tenantCode);
      if (status !== 'active') throw new PermanentStepError(`The tenant is no longer provisioning (status ${status ?? 'missing'})`);
      await markFinished(conn, tenant.tenantCode);
    });
    tenant.status = 'active';
    await checkpoint('mid');
    await publishTenantStatus(ctx.redis, ctx.config.REDIS_KEY_PREFIX, tenant.tenantCode, 'active');
    return { status: 'active' };
  },
};
