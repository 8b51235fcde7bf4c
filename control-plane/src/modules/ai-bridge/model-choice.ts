import type { AiModelRecord } from '../ai-models/ai-model.repository';
import type { TenantModelSetting } from './tenant-model.repository';
import type { CallType } from './call-log.repository';

/** A model the bridge may call for a tenant, with the parameters that apply. */
export interface ModelCandidate {
  model: AiModelRecord;
  setting: TenantModelSetting | null;
  /** Model parameters overlaid with the tenant's own. */
  parameters: Record<string, unknown>;
}

const SUITS: Record<CallType, ReadonlySet<string>> = {
  chat: new Set(['text', 'multimodal']),
  completion: new Set(['text', 'multimodal']),
  embedding: new Set(['embedding']),
};

/**
 * The order in which models are tried (docs/ai-billing.md, "Model choice"): the requested model
 * if the tenant has it enabled, then the tenant's other enabled models by priority, then the
 * global default. Only active models that suit the call type; `capped` removes models whose daily
 * call cap is reached. The circuit breaker later skips open ones, so the next one is used.
 */
export function orderCandidates(
  callType: CallType,
  requested: string | undefined,
  models: AiModelRecord[],
  settings: TenantModelSetting[],
  capped: ReadonlySet<number> = new Set(),
): ModelCandidate[] {
  const byId = new Map(models.filter((m) => m.status === 'active' && SUITS[callType].has(m.modelType)).map((m) => [m.id, m]));
  const enabled = settings
    .filter((s) => s.enabled && byId.has(s.modelId) && !capped.has(s.modelId))
    .sort((a, b) => b.priority - a.priority || a.modelId - b.modelId);
  const out: ModelCandidate[] = [];
  const add = (model: AiModelRecord, setting: TenantModelSetting | null) => {
    if (out.some((c) => c.model.id === model.id)) return;
    out.push({ model, setting, parameters: { ...(model.parameters ?? {}), ...(setting?.parameters ?? {}) } });
  };
  const wanted = requested ? enabled.find((s) => byId.get(s.modelId)!.name === requested) : undefined;
  if (wanted) add(byId.get(wanted.modelId)!, wanted);
  for (const s of enabled) add(byId.get(s.modelId)!, s);
  // The global default; when it does not suit the call (embeddings, with a chat model as the
  // default), the first active model that does.
  const suitable = [...byId.values()];
  const fallback = suitable.find((m) => m.isDefault) ?? suitable[0];
  // A model the tenant switched off is not used as the default either; a capped one neither.
  const disabled = new Set(settings.filter((s) => !s.enabled).map((s) => s.modelId));
  if (fallback && !disabled.has(fallback.id) && !capped.has(fallback.id)) add(fallback, settings.find((s) => s.modelId === fallback.id) ?? null);
  return out;
}
