import { duplicateKey, errors, urlHost, withTransaction } from '@kg/shared';
import type { AppContext } from '../../context';
import { announceAiConfigChange } from '../ai-bridge/bridge-directory';
import { assertOperatorTarget } from '../../internal/outbound';
import { appendAudit, type AuditActor } from '../audit/audit.service';
import {
  clearDefault,
  findAiModel,
  insertAiModel,
  listAiModels,
  lockAllModels,
  updateAiModel,
  type AiModelColumns,
  type AiModelView,
} from './ai-model.repository';

/** Input of create/update: the plaintext key, which is sealed before it reaches the database. */
export type AiModelInput = Omit<AiModelColumns, 'apiKeySealed'> & { apiKey?: string | null };

/** The audit log sees the same view as the API: `hasApiKey`, never the key. */
const auditView = ({ createdAt: _c, updatedAt: _u, ...rest }: AiModelView) => rest;

function duplicateName(err: unknown, name: string | undefined) {
  if (duplicateKey(err) === 'uk_ai_model_config_name') {
    return errors.conflict(`A model named ${name} exists`, undefined, [{ field: 'name', message: 'is already taken' }]);
  }
  return null;
}

/** Every model, as the API shows it (`hasApiKey`, never the key). */
export function listAiModelViews(ctx: AppContext): Promise<AiModelView[]> {
  return listAiModels(ctx.db);
}

/** Creates a model; its API key is sealed with MASTER_KEY; a new default replaces the old one. */
export async function createAiModel(ctx: AppContext, actor: AuditActor, input: AiModelInput): Promise<AiModelView> {
  await assertOperatorTarget(ctx, urlHost(input.endpointUrl), 'endpointUrl');
  const { apiKey, ...columns } = input;
  try {
    const created = await withTransaction(ctx.db, async (conn) => {
      if (columns.isDefault) {
        await lockAllModels(conn);
        await clearDefault(conn, null);
      }
      const id = await insertAiModel(conn, { ...columns, apiKeySealed: apiKey ? ctx.secrets.seal(apiKey) : null });
      const created = (await findAiModel(conn, id))!;
      await appendAudit(conn, ctx.secrets.auditKey, {
        ...actor,
        action: 'ai_model.create',
        targetType: 'ai_model',
        targetId: id,
        before: null,
        after: auditView(created),
      });
      return created;
    });
    await announceAiConfigChange(ctx, { models: true });
    return created;
  } catch (err) {
    throw duplicateName(err, input.name) ?? err;
  }
}

/**
 * Updates a model. `apiKey` replaces the key (sealed), null removes it, absent keeps it.
 * Making a model the default clears the previous default in the same transaction.
 */
export async function updateAiModelById(
  ctx: AppContext,
  actor: AuditActor,
  id: number,
  input: Partial<AiModelInput>,
): Promise<AiModelView> {
  if (input.endpointUrl !== undefined) await assertOperatorTarget(ctx, urlHost(input.endpointUrl), 'endpointUrl');
  const { apiKey, ...columns } = input;
  try {
    const updated = await withTransaction(ctx.db, async (conn) => {
      if (columns.isDefault === true) await lockAllModels(conn);
      const before = await findAiModel(conn, id, true);
      if (!before) throw errors.notFound(`AI model ${id} does not exist`);
      const nextStatus = columns.status ?? before.status;
      const nextDefault = columns.isDefault ?? before.isDefault;
      if (nextDefault && nextStatus !== 'active') {
        throw errors.validation([{ field: columns.status ? 'status' : 'isDefault', message: 'the default model must be active' }]);
      }
      if (columns.isDefault === true && !before.isDefault) await clearDefault(conn, id);
      const changes: Partial<AiModelColumns> = { ...columns };
      if (apiKey !== undefined) changes.apiKeySealed = apiKey === null || apiKey === '' ? null : ctx.secrets.seal(apiKey);
      await updateAiModel(conn, id, changes);
      const after = (await findAiModel(conn, id))!;
      await appendAudit(conn, ctx.secrets.auditKey, {
        ...actor,
        action: 'ai_model.update',
        targetType: 'ai_model',
        targetId: id,
        before: auditView(before),
        after: { ...auditView(after), ...(apiKey !== undefined ? { apiKeyChanged: true } : {}) },
      });
      return after;
    });
    await announceAiConfigChange(ctx, { models: true });
    return updated;
  } catch (err) {
    throw duplicateName(err, input.name) ?? err;
  }
}
