import { enableActiveModels } from '../ai-model.repository';
import type { CreateStep } from '../step';

/**
 * Step 5: every active model of `ai_model_config` enabled for the tenant, the global default first
 * (highest priority); a re-run adds nothing twice.
 */
export const copyAiModels: CreateStep = {
  name: 'copy_ai_models',
  async run({ ctx, tenant, checkpoint }) {
    const modelsAdded = await enableActiveModels(ctx.db, tenant.id);
    await checkpoint('mid');
    return { modelsAdded };
  },
};
