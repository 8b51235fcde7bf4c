import type { Pool, ResultSetHeader } from '@kg/shared';

/**
 * Enables every active model of `ai_model_config` for a tenant (`tenant_ai_model_configs`), the
 * global default first (highest priority). The unique key (tenant_id, model_id) keeps a re-run
 * from duplicating rows. Returns how many were added.
 */
export async function enableActiveModels(db: Pool, tenantId: number): Promise<number> {
  const [res] = await db.query<ResultSetHeader>(
    `INSERT IGNORE INTO tenant_ai_model_configs (tenant_id, model_id, is_enabled, priority)
     SELECT ?, id, 1, IF(is_default = 1, 100, 0) FROM ai_model_config WHERE status = 'active'`,
    [tenantId],
  );
  return res.affectedRows;
}
