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
  type ProviderUsage,
} from './provider.types';

const url = (t: ProviderTarget, path: string) => `${t.endpointUrl.replace(/\/+$/, '')}${path}`;
const auth = (t: ProviderTarget): Record<string, string> => (t.apiKey ? { authorization: `Bearer ${t.apiKey}` } : {});

function promptTokens(input: ChatInput): number {
  return input.messages.reduce((n, m) => n + estimateTokens(m.content) + 4, 0);
}

function usageOf(u: any): ProviderUsage | null {
  if (!u || typeof u !== 'object') return null;
  const inputTokens = Number(u.prompt_tokens ?? u.input_tokens);
  const outputTokens = Number(u.completion_tokens ?? u.output_tokens ?? 0);
  return Number.isFinite(inputTokens) ? { inputTokens, outputTokens: Number.isFinite(outputTokens) ? outputTokens : 0 } : null;
}

/**
 * An OpenAI-compatible client: `POST {endpoint}/chat/completions` (with `stream: true`, chunks
 * until `data: [DONE]`) and `POST {endpoint}/embeddings`. The same wire protocol serves OpenAI,
 * Qwen/DashScope's compatible mode and DeepSeek (docs/ai-billing.md, "Providers").
 */
export class OpenAiCompatibleClient implements AiProviderClient {
  constructor(private readonly opts: ProviderCallOptions) {}

  private body(target: ProviderTarget, input: ChatInput, stream: boolean) {
    return {
      model: target.model,
      messages: input.messages,
      ...(input.temperature === undefined ? {} : { temperature: input.temperature }),
      ...(input.maxTokens === undefined ? {} : { max_tokens: input.maxTokens }),
      ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
    };
  }

  async chat(target: ProviderTarget, input: ChatInput): Promise<ChatResult> {
    const res = await postWithRetry(url(target, '/chat/completions'), auth(target), this.body(target, input, false), this.opts, input.signal);
    const json = await readJson(res);
    const text = json?.choices?.[0]?.message?.content;
    if (typeof text !== 'string') throw new ProviderError(ProviderErrorCode.Unavailable, 'The AI provider answered without a message', res.status, true);
    const usage = usageOf(json.usage);
    return {
      text,
      usage: usage ?? { inputTokens: promptTokens(input), outputTokens: estimateTokens(text) },
      usageReported: usage !== null,
    };
  }

  async chatStream(target: ProviderTarget, input: ChatInput, onDelta: OnDelta): Promise<ChatResult & { aborted: boolean }> {
    const res = await postWithRetry(url(target, '/chat/completions'), auth(target), this.body(target, input, true), this.opts, input.signal, false);
    let text = '';
    let usage: ProviderUsage | null = null;
    let aborted = false;
    try {
      for await (const ev of readSse(res.body)) {
        if (ev.data === '[DONE]') break;
        let chunk: any;
        try {
          chunk = JSON.parse(ev.data);
        } catch {
          continue;
        }
        if (chunk?.error) throw new ProviderError(ProviderErrorCode.Unavailable, 'The AI provider failed during the answer', res.status, true);
        const piece = chunk?.choices?.[0]?.delta?.content;
        if (typeof piece === 'string' && piece.length) {
          text += piece;
          onDelta(piece);
        }
        usage = usageOf(chunk?.usage) ?? usage;
      }
    } catch (err) {
      if (!input.signal?.aborted) {
        if (err instanceof ProviderError) throw err;
        throw new ProviderError(ProviderErrorCode.Unavailable, 'The AI provider stream broke off', res.status, true);
      }
      aborted = true;
    }
    if (input.signal?.aborted) aborted = true;
    return {
      text,
      usage: usage ?? { inputTokens: promptTokens(input), outputTokens: estimateTokens(text) },
      usageReported: usage !== null,
      aborted,
    };
  }

  async embed(target: ProviderTarget, input: { texts: string[]; signal?: AbortSignal }) {
    const res = await postWithRetry(url(target, '/embeddings'), auth(target), { model: target.model, input: input.texts }, this.opts, input.signal);
    const json = await readJson(res);
    const data = Array.isArray(json?.data) ? json.data : null;
    if (!data) throw new ProviderError(ProviderErrorCode.Unavailable, 'The AI provider answered without embeddings', res.status, true);
    const vectors = [...data].sort((a: any, b: any) => Number(a.index ?? 0) - Number(b.index ?? 0)).map((d: any) => d.embedding as number[]);
    const usage = usageOf(json.usage);
    return {
      vectors,
      usage: usage ? { inputTokens: usage.inputTokens, outputTokens: 0 } : { inputTokens: input.texts.reduce((n, t) => n + estimateTokens(t), 0), outputTokens: 0 },
      usageReported: usage !== null,
    };
  }
}
