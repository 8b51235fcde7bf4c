import { AppError } from '@kg/shared';
import { Agent, request, type Dispatcher } from 'undici';
import type { ProviderCallOptions } from './provider.types';

/** Error codes of a failed provider call; the message is generic and never holds the key or body. */
export const ProviderErrorCode = {
  Unavailable: 'AI_PROVIDER_UNAVAILABLE',
  Timeout: 'AI_PROVIDER_TIMEOUT',
  Refused: 'AI_PROVIDER_REFUSED',
} as const;

/**
 * A provider call that failed. `retryable` (network, timeout, 429, 5xx) lets the bridge's
 * circuit breaker count it against the model; `status` is the upstream HTTP status, if any.
 * Only the status reaches logs and answers: upstream bodies may echo the key or the prompt.
 */
export class ProviderError extends AppError {
  constructor(
    code: string,
    message: string,
    readonly upstreamStatus: number | null,
    readonly retryable: boolean,
  ) {
    super(code, 502, message, { details: upstreamStatus === null ? undefined : { upstreamStatus } });
    this.name = 'ProviderError';
  }
}

const RETRYABLE_STATUS = (s: number) => s === 429 || s >= 500;
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

function retryAfterMs(headers: Record<string, string | string[] | undefined>): number | null {
  const h = headers['retry-after'];
  if (typeof h !== 'string' || !h) return null;
  const s = Number(h);
  return Number.isFinite(s) ? Math.min(s * 1000, 30_000) : null;
}

/**
 * Provider calls share one keep-alive connection pool per origin. Redirects are not followed: an
 * endpoint is checked against the outbound rule before each call (outbound.ts), and a redirect
 * could point past it.
 */
const dispatcher = new Agent({ keepAliveTimeout: 30_000, connections: 256 });

/** A provider's successful answer with its body unread. */
export interface ProviderResponse {
  status: number;
  /** The body as JSON; the attempt's timer keeps running while it is read. */
  json(): Promise<any>;
  /** The body as it arrives (server-sent events). */
  body: AsyncIterable<Uint8Array>;
}

/**
 * POSTs JSON to a provider with a timeout per attempt and retries on network errors, 429 and 5xx
 * (exponential backoff with jitter, or the provider's Retry-After, capped at 30 s). Answers the
 * successful response with its body unread (streams are read by the caller). `signal` aborts the
 * whole call, retries included. Uses undici's `request` rather than `fetch`: the same client
 * without the web-streams layer, about a quarter of a millisecond less per call on our machines
 * (docs/ai-billing.md, "Bridge overhead").
 */
export async function postWithRetry(
  url: string,
  headers: Record<string, string>,
  body: unknown,
  opts: ProviderCallOptions,
  signal?: AbortSignal,
  // Streaming answers only time out until the headers arrive; the body may last longer.
  bodyTimeout = true,
): Promise<ProviderResponse> {
  const payload = JSON.stringify(body);
  for (let attempt = 0; ; attempt++) {
    if (signal?.aborted) throw new ProviderError(ProviderErrorCode.Unavailable, 'The AI call was cancelled', null, false);
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), opts.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout.signal]) : timeout.signal;
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: payload,
        signal: combined,
        dispatcher,
        // Our own timer bounds the attempt; undici's idle timeouts stay out of the way.
        headersTimeout: 0,
        bodyTimeout: 0,
      });
    } catch {
      clearTimeout(timer);
      const timedOut = timeout.signal.aborted;
      if (signal?.aborted) throw new ProviderError(ProviderErrorCode.Unavailable, 'The AI call was cancelled', null, false);
      if (attempt < opts.maxRetries) {
        await sleep(backoff(opts.backoffMs, attempt), signal);
        continue;
      }
      throw timedOut
        ? new ProviderError(ProviderErrorCode.Timeout, 'The AI provider did not answer in time', null, true)
        : new ProviderError(ProviderErrorCode.Unavailable, 'The AI provider could not be reached', null, true);
    }
    const status = res.statusCode;
    if (status >= 200 && status < 300) {
      if (!bodyTimeout) clearTimeout(timer);
      const b = res.body;
      return {
        status,
        body: b,
        async json() {
          try {
            return await b.json();
          } finally {
            clearTimeout(timer);
          }
        },
      };
    }
    // The body of a refusal may echo the key or the prompt: it is discarded unread.
    await res.body.dump().catch(() => undefined);
    clearTimeout(timer);
    if (RETRYABLE_STATUS(status) && attempt < opts.maxRetries) {
      await sleep(retryAfterMs(res.headers) ?? backoff(opts.backoffMs, attempt), signal);
      continue;
    }
    if (RETRYABLE_STATUS(status)) {
      throw new ProviderError(ProviderErrorCode.Unavailable, `The AI provider failed (HTTP ${status})`, status, true);
    }
    throw new ProviderError(ProviderErrorCode.Refused, `The AI provider refused the request (HTTP ${status})`, status, false);
  }
}

function backoff(base: number, attempt: number): number {
  const d = base * 2 ** attempt;
  return d / 2 + Math.random() * (d / 2);
}

/** Reads a JSON body, turning an unreadable one (or a timeout while reading) into a ProviderError. */
export async function readJson(res: ProviderResponse): Promise<any> {
  try {
    return await res.json();
  } catch {
    throw new ProviderError(ProviderErrorCode.Unavailable, 'The AI provider answered with an unreadable body', res.status, true);
  }
}
