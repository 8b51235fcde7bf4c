import type { ResultSetHeader } from '@kg/shared';
import type { CreateStep } from '../step';

/**
 * Step 5: every active model of `ai_model_config` enabled for the tenant, the global default first
 * (highest priority). The unique key (tenant_id, model_id) keeps a re-run from duplicating rows.
 */
export const copyAiModels: CreateStep = {
  name: 'copy_ai_models',
  async run({ ctx, tenant, checkpoint }) {
    const [res] = await ctx.db.query<ResultSetHeader>(
      `INSERT IGNORE INTO tenant_ai_model_configs (tenant_id, model_id, is_enabled, priority)
       SELECT ?, id, 1, IF(is_default = 1, 100, 0) FROM ai_model_config WHERE status = 'active'`,
      [tenant.id],
    );
    await checkpoint('mid');
    return { modelsAdded: res.affectedRows };
  },
};
