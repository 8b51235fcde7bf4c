import { AppError } from '@kg/shared';
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

function retryAfterMs(res: Response): number | null {
  const h = res.headers.get('retry-after');
  if (!h) return null;
  const s = Number(h);
  return Number.isFinite(s) ? Math.min(s * 1000, 30_000) : null;
}

/**
 * POSTs JSON to a provider with a timeout per attempt and retries on network errors, 429 and 5xx
 * (exponential backoff with jitter, or the provider's Retry-After, capped at 30 s). Answers the
 * successful Response with its body unread (streams are read by the caller). `signal` aborts the
 * whole call, retries included.
 */
export async function postWithRetry(
  url: string,
  headers: Record<string, string>,
  body: unknown,
  opts: ProviderCallOptions,
  signal?: AbortSignal,
  // Streaming answers only time out until the headers arrive; the body may last longer.
  bodyTimeout = true,
): Promise<Response> {
  const payload = JSON.stringify(body);
  for (let attempt = 0; ; attempt++) {
    if (signal?.aborted) throw new ProviderError(ProviderErrorCode.Unavailable, 'The AI call was cancelled', null, false);
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), opts.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout.signal]) : timeout.signal;
    let res: Response;
    try {
      res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: payload, signal: combined });
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
    if (!bodyTimeout) clearTimeout(timer);
    else res = withTimerCleared(res, timer);
    if (res.ok) return res;
    await res.body?.cancel().catch(() => undefined);
    clearTimeout(timer);
    if (RETRYABLE_STATUS(res.status) && attempt < opts.maxRetries) {
      await sleep(retryAfterMs(res) ?? backoff(opts.backoffMs, attempt), signal);
      continue;
    }
    if (RETRYABLE_STATUS(res.status)) {
      throw new ProviderError(ProviderErrorCode.Unavailable, `The AI provider failed (HTTP ${res.status})`, res.status, true);
    }
    throw new ProviderError(ProviderErrorCode.Refused, `The AI provider refused the request (HTTP ${res.status})`, res.status, false);
  }
}

function backoff(base: number, attempt: number): number {
  const d = base * 2 ** attempt;
  return d / 2 + Math.random() * (d / 2);
}

/** Keeps the per-attempt timer running while a JSON body is read; clears it when reading ends. */
function withTimerCleared(res: Response, timer: NodeJS.Timeout): Response {
  const json = res.json.bind(res);
  (res as { json: () => Promise<unknown> }).json = async () => {
    try {
      return await json();
    } finally {
      clearTimeout(timer);
    }
  };
  return res;
}

/** Reads a JSON body, turning an unreadable one (or a timeout while reading) into a ProviderError. */
export async function readJson(res: Response): Promise<any> {
  try {
    return await res.json();
  } catch {
    throw new ProviderError(ProviderErrorCode.Unavailable, 'The AI provider answered with an unreadable body', res.status, true);
  }
}
