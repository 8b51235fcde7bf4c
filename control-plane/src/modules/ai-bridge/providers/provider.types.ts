/**
 * What the bridge asks of a model provider, whatever its wire protocol (docs/ai-billing.md,
 * "Providers"). Messages and usage are normalised; each provider maps them to its own API.
 */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ProviderUsage {
  inputTokens: number;
  outputTokens: number;
}

/** One model endpoint: where it is, its key (plaintext, only in memory) and its upstream model name. */
export interface ProviderTarget {
  endpointUrl: string;
  apiKey: string | null;
  model: string;
}

export interface ChatInput {
  messages: ChatMessage[];
  temperature?: number;
  maxTokens?: number;
  /** Aborts the upstream call (client gone, timeout). */
  signal?: AbortSignal;
}

export interface ChatResult {
  text: string;
  usage: ProviderUsage;
  /** True when the provider reported usage (false: the bridge estimated it). */
  usageReported: boolean;
}

/** Receives streamed text as it arrives. */
export type OnDelta = (text: string) => void;

export interface AiProviderClient {
  chat(target: ProviderTarget, input: ChatInput): Promise<ChatResult>;
  /**
   * Streams a chat answer: `onDelta` gets each piece; resolves with the whole text and usage when
   * the stream ends. On abort it resolves with what was produced so far (`aborted: true`).
   */
  chatStream(target: ProviderTarget, input: ChatInput, onDelta: OnDelta): Promise<ChatResult & { aborted: boolean }>;
  embed(target: ProviderTarget, input: { texts: string[]; signal?: AbortSignal }): Promise<{ vectors: number[][]; usage: ProviderUsage; usageReported: boolean }>;
}

/** Timeouts and retries of provider calls. */
export interface ProviderCallOptions {
  timeoutMs: number;
  maxRetries: number;
  /** First backoff; doubles each retry (with jitter), or the provider's Retry-After when given. */
  backoffMs: number;
}

/** A rough token count for providers that report no usage: about four characters per token. */
export function estimateTokens(text: string): number {
  return text.length === 0 ? 0 : Math.max(1, Math.ceil(text.length / 4));
}
