import type { Pool, ResultSetHeader } from '@kg/shared';

/**
 * Enables every active model of `ai_model_config` for a tenant in `tenant_ai_model_configs`
 * (keyed by the tenant's row id, `tenants.id`), the global default first (highest priority).
 * The unique key (tenant_id, model_id) keeps a re-run from duplicating rows. Returns how many
 * were added.
 */
export async function enableActiveModels(db: Pool, tenantRowId: number): Promise<number> {
  const [res] = await db.query<ResultSetHeader>(
    `INSERT IGNORE INTO tenant_ai_model_configs (tenant_id, model_id, is_enabled, priority)
     SELECT ?, id, 1, IF(is_default = 1, 100, 0) FROM ai_model_config WHERE status = 'active'`,
    [tenantRowId],
  );
  return res.affectedRows;
}
