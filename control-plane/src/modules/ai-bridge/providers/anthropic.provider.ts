import { AppError } from '@kg/shared';
import { postWithRetry, ProviderError, ProviderErrorCode, readJson } from './provider-http';
import { readSse } from './sse';
import {
  estimateTokens,
  type AiProviderClient,
  type ChatInput,
  type ChatResult,
  type OnDelta,
  type ProviderCallOptions,
  type ProviderTarget,
} from './provider.types';

export const ANTHROPIC_VERSION = '2023-06-01';
/** The messages API requires max_tokens; this is used when the caller gives none. */
const DEFAULT_MAX_TOKENS = 1024;

function messagesUrl(t: ProviderTarget): string {
  const base = t.endpointUrl.replace(/\/+$/, '');
  return base.endsWith('/v1') ? `${base}/messages` : `${base}/v1/messages`;
}

/**
 * Anthropic's messages API (`POST /v1/messages`, `x-api-key`, `anthropic-version`), with
 * streaming events `message_start`, `content_block_delta` (`text_delta`), `message_delta`
 * (output usage) and `message_stop` (docs/ai-billing.md, "Providers"). System messages become
 * the top-level `system` field.
 */
export class AnthropicClient implements AiProviderClient {
  constructor(private readonly opts: ProviderCallOptions) {}

  private headers(t: ProviderTarget): Record<string, string> {
    return { 'anthropic-version': ANTHROPIC_VERSION, ...(t.apiKey ? { 'x-api-key': t.apiKey } : {}) };
  }

  private body(t: ProviderTarget, input: ChatInput, stream: boolean) {
    const system = input.messages.filter((m) => m.role === 'system').map((m) => m.content).join('\n\n');
    return {
      model: t.model,
      max_tokens: input.maxTokens ?? DEFAULT_MAX_TOKENS,
      ...(system ? { system } : {}),
      messages: input.messages.filter((m) => m.role !== 'system').map((m) => ({ role: m.role, content: m.content })),
      ...(input.temperature === undefined ? {} : { temperature: input.temperature }),
      ...(stream ? { stream: true } : {}),
    };
  }

  private estimateInput(input: ChatInput): number {
    return input.messages.reduce((n, m) => n + estimateTokens(m.content) + 4, 0);
  }

  async chat(target: ProviderTarget, input: ChatInput): Promise<ChatResult> {
    const res = await postWithRetry(messagesUrl(target), this.headers(target), this.body(target, input, false), this.opts, input.signal);
    const json = await readJson(res);
    if (!Array.isArray(json?.content)) throw new ProviderError(ProviderErrorCode.Unavailable, 'The AI provider answered without a message', res.status, true);
    const text = json.content.filter((b: any) => b?.type === 'text').map((b: any) => String(b.text ?? '')).join('');
    const u = json.usage;
    const reported = u && Number.isFinite(Number(u.input_tokens));
    return {
      text,
      usage: reported ? { inputTokens: Number(u.input_tokens), outputTokens: Number(u.output_tokens ?? 0) } : { inputTokens: this.estimateInput(input), outputTokens: estimateTokens(text) },
      usageReported: Boolean(reported),
    };
  }

  async chatStream(target: ProviderTarget, input: ChatInput, onDelta: OnDelta): Promise<ChatResult & { aborted: boolean }> {
    const res = await postWithRetry(messagesUrl(target), this.headers(target), this.body(target, input, true), this.opts, input.signal, false);
    let text = '';
    let inputTokens: number | null = null;
    let outputTokens: number | null = null;
    let aborted = false;
    try {
      for await (const ev of readSse(res.body)) {
        let data: any;
        try {
          data = JSON.parse(ev.data);
        } catch {
          continue;
        }
        const type = data?.type ?? ev.event;
        if (type === 'message_start') {
          const u = data.message?.usage;
          if (u && Number.isFinite(Number(u.input_tokens))) inputTokens = Number(u.input_tokens);
          if (u && Number.isFinite(Number(u.output_tokens))) outputTokens = Number(u.output_tokens);
        } else if (type === 'content_block_delta' && data.delta?.type === 'text_delta' && typeof data.delta.text === 'string') {
          text += data.delta.text;
          onDelta(data.delta.text);
        } else if (type === 'message_delta' && Number.isFinite(Number(data.usage?.output_tokens))) {
          outputTokens = Number(data.usage.output_tokens);
        } else if (type === 'error') {
          throw new ProviderError(ProviderErrorCode.Unavailable, 'The AI provider failed during the answer', res.status, true);
        } else if (type === 'message_stop') {
          break;
        }
      }
    } catch (err) {
      if (!input.signal?.aborted) {
        if (err instanceof ProviderError) throw err;
        throw new ProviderError(ProviderErrorCode.Unavailable, 'The AI provider stream broke off', res.status, true);
      }
      aborted = true;
    }
    if (input.signal?.aborted) aborted = true;
    // An aborted stream has no final message_delta: count what was produced.
    const out = aborted ? Math.max(outputTokens ?? 0, estimateTokens(text)) : outputTokens ?? estimateTokens(text);
    return {
      text,
      usage: { inputTokens: inputTokens ?? this.estimateInput(input), outputTokens: out },
      usageReported: inputTokens !== null && outputTokens !== null && !aborted,
      aborted,
    };
  }

  async embed(): Promise<never> {
    throw new AppError('AI_MODEL_UNSUITABLE', 400, 'This model cannot make embeddings');
  }
}
