import type { AppContext } from '../../context';
import type { BridgeCaller } from './bridge-caller.service';
import { callWithFallback, prepareCall, settleCall, type BridgeUsage } from './bridge.service';
import type { CallType } from './call-log.repository';
import { orderCandidates } from './model-choice';
import type { ChatMessage } from './providers/provider.types';

export interface BridgeChatInput {
  model?: string;
  messages: ChatMessage[];
  temperature?: number;
  maxTokens?: number;
  /** The caller's idempotency key: the same key is answered 409 and never charged twice. */
  requestId?: string;
}

export interface BridgeChatAnswer {
  message: string;
  model: string;
  requestId: string;
  usage: BridgeUsage;
}

const numberParam = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function chatParams(input: BridgeChatInput, parameters: Record<string, unknown>) {
  return {
    temperature: input.temperature ?? numberParam(parameters.temperature),
    maxTokens: input.maxTokens ?? numberParam(parameters.maxTokens ?? parameters.max_tokens),
  };
}

/** A chat (or completion) answered in one piece, charged before it is returned. */
export async function bridgeChat(ctx: AppContext, caller: BridgeCaller, input: BridgeChatInput, callType: CallType = 'chat'): Promise<BridgeChatAnswer> {
  const p = await prepareCall(ctx, caller, callType, input.model, input.requestId);
  const { candidate, result, started } = await callWithFallback(ctx, p, (c, target, client) =>
    client.chat(target, { messages: input.messages, ...chatParams(input, c.parameters) }),
  );
  const usage = settleCall(ctx, p, candidate, result.usage, started, result.usageReported ? {} : { usageEstimated: true });
  return { message: result.text, model: candidate.model.name, requestId: p.requestId, usage };
}

export interface StreamSink {
  /** Called once, before the first piece, with the model that answers. */
  start(model: string): void;
  delta(text: string): void;
}

/**
 * A streamed chat: pieces go to `sink` as they arrive, the call is charged once when the stream
 * ends, from the provider's usage (or a token count). When `signal` aborts (the client went away)
 * the upstream call stops and the tenant pays for what was produced (docs/ai-billing.md, "Charging").
 * Another model is tried only while nothing was sent.
 */
export async function bridgeChatStream(
  ctx: AppContext,
  caller: BridgeCaller,
  input: BridgeChatInput,
  sink: StreamSink,
  signal: AbortSignal,
): Promise<BridgeChatAnswer & { aborted: boolean }> {
  const p = await prepareCall(ctx, caller, 'chat', input.model, input.requestId);
  let sent = false;
  const { candidate, result, started } = await callWithFallback(
    ctx,
    p,
    (c, target, client) =>
      client.chatStream(target, { messages: input.messages, ...chatParams(input, c.parameters), signal }, (text) => {
        if (!sent) sink.start(c.model.name);
        sent = true;
        if (!signal.aborted) sink.delta(text);
      }),
    () => !sent && !signal.aborted,
  );
  const meta: Record<string, unknown> = { stream: true };
  if (result.aborted) meta.clientDisconnected = true;
  if (!result.usageReported) meta.usageEstimated = true;
  const usage = settleCall(ctx, p, candidate, result.usage, started, meta);
  return { message: result.text, model: candidate.model.name, requestId: p.requestId, usage, aborted: result.aborted };
}

export interface BridgeEmbeddingAnswer {
  embeddings: number[][];
  model: string;
  requestId: string;
  usage: BridgeUsage;
}

export async function bridgeEmbed(
  ctx: AppContext,
  caller: BridgeCaller,
  input: { model?: string; texts: string[]; requestId?: string },
): Promise<BridgeEmbeddingAnswer> {
  const p = await prepareCall(ctx, caller, 'embedding', input.model, input.requestId);
  const { candidate, result, started } = await callWithFallback(ctx, p, (_c, target, client) => client.embed(target, { texts: input.texts }));
  const usage = settleCall(ctx, p, candidate, result.usage, started);
  return { embeddings: result.vectors, model: candidate.model.name, requestId: p.requestId, usage };
}

export interface BridgeModelView {
  name: string;
  displayName: string;
  provider: string;
  modelType: string;
  isDefault: boolean;
  priority: number | null;
  kind: 'chat' | 'embedding';
}

/** The models this tenant's calls may use, in the order they are tried. */
export async function bridgeModels(ctx: AppContext, caller: BridgeCaller): Promise<BridgeModelView[]> {
  const [models, settings] = await Promise.all([ctx.bridgeDirectory.activeModels(), ctx.bridgeDirectory.tenantModelSettings(caller.tenant.id)]);
  return (['chat', 'embedding'] as const).flatMap((kind) =>
    orderCandidates(kind, undefined, models, settings).map((c) => ({
      name: c.model.name,
      displayName: c.model.displayName,
      provider: c.model.provider,
      modelType: c.model.modelType,
      isDefault: c.model.isDefault,
      priority: c.setting?.priority ?? null,
      kind,
    })),
  );
}
