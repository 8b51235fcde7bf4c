import { publishTenantStatus, withTransaction, type ResultSetHeader, type RowDataPacket } from '@kg/shared';
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
      const [res] = await conn.query<ResultSetHeader>(
        "UPDATE tenants SET status = 'active', provisioning_error = NULL WHERE tenant_id = ? AND status = 'provisioning'",
        [tenant.code],
      );
      if (res.affectedRows === 0) {
        const [rows] = await conn.query<RowDataPacket[]>('SELECT status FROM tenants WHERE tenant_id = ?', [tenant.code]);
        const status = rows[0]?.status;
        if (status !== 'active') throw new PermanentStepError(`The tenant is no longer provisioning (status ${String(status)})`);
      }
      await markFinished(conn, tenant.code);
    });
    tenant.status = 'active';
    await checkpoint('mid');
    await publishTenantStatus(ctx.redis, ctx.config.REDIS_KEY_PREFIX, tenant.code, 'active');
    return { status: 'active' };
  },
};

/** The last step row and the progress summary of a finished pipeline. */
export async function markFinished(conn: { query: (sql: string, values?: unknown[]) => Promise<unknown> }, code: string): Promise<void> {
  await conn.query(
    `UPDATE tenant_init_steps SET status = 'completed', completed_at = COALESCE(completed_at, NOW(3)), error_message = NULL,
            duration_ms = COALESCE(duration_ms, GREATEST(0, TIMESTAMPDIFF(MICROSECOND, started_at, NOW(3)) DIV 1000))
      WHERE tenant_id = ? AND step_name = 'activate'`,
    [code],
  );
  await conn.query(
    `UPDATE tenant_init_progress SET status = 'completed', current_step = total_steps, error_message = NULL,
            completed_at = COALESCE(completed_at, NOW(3))
      WHERE tenant_id = ?`,
    [code],
  );
}
