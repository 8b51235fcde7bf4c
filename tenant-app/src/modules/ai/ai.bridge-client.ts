import { AppError, ErrorCode, errors } from '@kg/shared';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatRequest {
  model?: string;
  messages: ChatMessage[];
  temperature?: number;
  max_tokens?: number;
}

export interface ChatUsage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  cost?: number;
  responseTime?: number;
}

export interface ChatAnswer {
  message: string;
  model: string | null;
  usage: ChatUsage;
}

// Statuses whose envelope is the caller's business (quota, rate limit, auth) and passes through.
const PASS_THROUGH = new Set([400, 401, 402, 403, 409, 429]);

/**
 * Client of the control plane's AI bridge (docs/request-path.md, The API):
 * `POST {CONTROL_PLANE_URL}/api/v1/ai/bridge/chat` with the user's own bearer token and
 * `X-Tenant-Code`, body `{ model?, messages, temperature?, max_tokens?, requestId }` (the bridge's
 * idempotency key: a repeated id answers 409 and is never charged twice), answer
 * `{ success: true, data: { message, model?, usage: { inputTokens, outputTokens, totalTokens, cost, responseTime } } }`.
 * The bridge charges the tenant and enforces its rate limit, so its 402 and 429 (with Retry-After)
 * reach the user unchanged; an unreachable or failing bridge becomes 503 AI_UNAVAILABLE.
 */
export class AiBridgeClient {
  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs: number,
  ) {}

  async chat(input: { token: string; tenantCode: string; requestId?: string; body: ChatRequest }): Promise<ChatAnswer> {
    let res: Response;
    try {
      res = await fetch(new URL('/api/v1/ai/bridge/chat', this.baseUrl), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${input.token}`,
          'x-tenant-code': input.tenantCode,
          ...(input.requestId ? { 'x-request-id': input.requestId } : {}),
        },
        body: JSON.stringify({ ...input.body, stream: false, ...(input.requestId ? { requestId: input.requestId } : {}) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new AppError('AI_UNAVAILABLE', 503, 'The AI assistant is unavailable, try again shortly', { cause: err });
    }
    const text = await res.text();
    let body: { success?: boolean; data?: Record<string, unknown>; error?: { code?: string; message?: string; details?: unknown } } = {};
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      /* not JSON: handled below */
    }
    if (!res.ok || body.success !== true) {
      if (PASS_THROUGH.has(res.status) && body.error) {
        const retryAfter = res.headers.get('retry-after');
        throw new AppError(body.error.code ?? ErrorCode.BadRequest, res.status, body.error.message ?? 'AI bridge refused the request', {
          details: body.error.details,
          headers: retryAfter ? { 'Retry-After': retryAfter } : undefined,
        });
      }
      throw new AppError('AI_UNAVAILABLE', 503, 'The AI assistant is unavailable, try again shortly', {
        details: { bridgeStatus: res.status },
      });
    }
    const data = body.data ?? {};
    const message = typeof data.message === 'string' ? data.message : undefined;
    if (message === undefined) throw errors.unavailable('The AI bridge answered without a message');
    const usage = (data.usage ?? {}) as Partial<ChatUsage>;
    return {
      message,
      model: typeof data.model === 'string' ? data.model : null,
      usage: {
        inputTokens: Number(usage.inputTokens ?? 0),
        outputTokens: Number(usage.outputTokens ?? 0),
        totalTokens: Number(usage.totalTokens ?? Number(usage.inputTokens ?? 0) + Number(usage.outputTokens ?? 0)),
        cost: usage.cost === undefined ? undefined : Number(usage.cost),
        responseTime: usage.responseTime === undefined ? undefined : Number(usage.responseTime),
      },
    };
  }

  /**
   * The same call with `stream: true`: each piece of the answer is handed to `onDelta` as the
   * bridge sends it (server-sent events `{type:"delta",content}` … `{type:"done",model,usage}`,
   * then `[DONE]`), and the whole answer is returned at the end. A refusal before the stream starts
   * is thrown exactly as `chat` throws it; a failure during the stream is 503 AI_UNAVAILABLE.
   */
  async chatStream(
    input: { token: string; tenantCode: string; requestId?: string; body: ChatRequest },
    onDelta: (content: string) => void,
  ): Promise<ChatAnswer> {
    const unavailable = (cause?: unknown) => new AppError('AI_UNAVAILABLE', 503, 'The AI assistant is unavailable, try again shortly', { cause });
    let res: Response;
    try {
      res = await fetch(new URL('/api/v1/ai/bridge/chat', this.baseUrl), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'text/event-stream',
          authorization: `Bearer ${input.token}`,
          'x-tenant-code': input.tenantCode,
          ...(input.requestId ? { 'x-request-id': input.requestId } : {}),
        },
        body: JSON.stringify({ ...input.body, stream: true }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw unavailable(err);
    }
    if (!res.ok || !(res.headers.get('content-type') ?? '').includes('text/event-stream') || !res.body) {
      const text = await res.text();
      let body: { error?: { code?: string; message?: string; details?: unknown } } = {};
      try {
        body = text ? JSON.parse(text) : {};
      } catch {
        /* not JSON */
      }
      if (PASS_THROUGH.has(res.status) && body.error) {
        const retryAfter = res.headers.get('retry-after');
        throw new AppError(body.error.code ?? ErrorCode.BadRequest, res.status, body.error.message ?? 'AI bridge refused the request', {
          details: body.error.details,
          headers: retryAfter ? { 'Retry-After': retryAfter } : undefined,
        });
      }
      throw unavailable();
    }
    let message = '';
    let model: string | null = null;
    let usage: Partial<ChatUsage> = {};
    let done = false;
    let buffer = '';
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = event
            .split('\n')
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).trimStart())
            .join('\n');
          if (!data || data === '[DONE]') continue;
          const e = JSON.parse(data) as { type?: string; content?: string; model?: string; usage?: Partial<ChatUsage> };
          if (e.type === 'delta' && typeof e.content === 'string') {
            message += e.content;
            onDelta(e.content);
          } else if (e.type === 'done') {
            done = true;
            model = typeof e.model === 'string' ? e.model : null;
            usage = e.usage ?? {};
          } else if (e.type === 'error') {
            throw unavailable();
          }
        }
      }
    } catch (err) {
      throw err instanceof AppError ? err : unavailable(err);
    }
    if (!done) throw unavailable();
    return {
      message,
      model,
      usage: {
        inputTokens: Number(usage.inputTokens ?? 0),
        outputTokens: Number(usage.outputTokens ?? 0),
        totalTokens: Number(usage.totalTokens ?? Number(usage.inputTokens ?? 0) + Number(usage.outputTokens ?? 0)),
        cost: usage.cost === undefined ? undefined : Number(usage.cost),
        responseTime: usage.responseTime === undefined ? undefined : Number(usage.responseTime),
      },
    };
  }
}
