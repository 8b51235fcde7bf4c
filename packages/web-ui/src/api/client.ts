/**
 * Typed HTTP client for the platform's JSON envelope: `{ success, data }` or
 * `{ success: false, error: { code, message, details } }`. It attaches the in-memory access
 * token, and on a 401 refreshes the session once (one refresh in flight for all callers) and
 * repeats the request.
 */

/** One field error from a 400 VALIDATION_ERROR answer. */
export interface FieldError {
  field: string;
  message: string;
}

/** A failed API call, carrying the envelope's code, message and details. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** Field errors keyed by field name (the first message per field). */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    if (!Array.isArray(this.details)) return out;
    for (const d of this.details as FieldError[]) {
      if (d && typeof d.field === 'string' && !(d.field in out)) out[d.field] = d.message;
    }
    return out;
  }
}

export interface TokenSource {
  /** The current access token, if any. */
  accessToken(): string | null;
  /** Gets a new access token; resolves false when the session cannot be renewed. */
  refresh(): Promise<boolean>;
}

export type Query = Record<string, string | number | boolean | undefined | null>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** Skip the refresh-and-retry on 401 (sign-in and refresh calls themselves). */
  noRefresh?: boolean;
  signal?: AbortSignal;
  /** Extra request headers (an Idempotency-Key, for example). */
  headers?: Record<string, string>;
}

function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  }
  const s = params.toString();
  return s ? `${path}?${s}` : path;
}

/** The API client used by every typed API module of an app. */
export class ApiClient {
  private tokens?: TokenSource;

  constructor(private readonly baseUrl = '') {}

  /** Connects the session store (set once at start-up; avoids an import cycle). */
  useTokens(tokens: TokenSource): void {
    this.tokens = tokens;
  }

  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const first = await this.send(method, path, opts);
    if (first.status === 401 && !opts.noRefresh && this.tokens && (await this.tokens.refresh())) {
      return this.unwrap<T>(await this.send(method, path, opts));
    }
    return this.unwrap<T>(first);
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>('GET', path, { query });
  }
  post<T>(path: string, body?: unknown, opts: RequestOptions = {}): Promise<T> {
    return this.request<T>('POST', path, { ...opts, body: body ?? {} });
  }
  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, { body });
  }
  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, { body });
  }
  delete<T>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }

  /**
   * Uploads a file as the raw request body (Content-Type = the file's type), reporting progress
   * (0..1); refreshes once on a 401 like every other call.
   */
  async upload<T>(path: string, file: Blob, onProgress?: (fraction: number) => void): Promise<T> {
    const once = () =>
      new Promise<Response>((resolve, reject) => {
        const xhr = new XMLHttpRequest();
        xhr.open('POST', this.baseUrl + path);
        const token = this.tokens?.accessToken();
        if (token) xhr.setRequestHeader('authorization', `Bearer ${token}`);
        xhr.setRequestHeader('content-type', file.type || 'application/octet-stream');
        xhr.upload.onprogress = (e) => onProgress?.(e.lengthComputable ? e.loaded / e.total : 0);
        xhr.onload = () => {
          const headers = new Headers();
          const retry = xhr.getResponseHeader('retry-after');
          if (retry) headers.set('retry-after', retry);
          resolve(new Response(xhr.responseText, { status: xhr.status, headers }));
        };
        xhr.onerror = () => reject(new Error('Upload failed'));
        xhr.send(file);
      });
    const first = await once();
    if (first.status === 401 && this.tokens && (await this.tokens.refresh())) return this.unwrap<T>(await once());
    return this.unwrap<T>(first);
  }

  /** A raw authorized GET (downloads, previews), with the same single refresh on 401. */
  async fetchRaw(path: string): Promise<Response> {
    const first = await this.send('GET', path, {});
    if (first.status === 401 && this.tokens && (await this.tokens.refresh())) return this.send('GET', path, {});
    return first;
  }

  /** The current access token, for calls the client cannot make itself (streams). */
  token(): string | null {
    return this.tokens?.accessToken() ?? null;
  }

  private send(method: string, path: string, opts: RequestOptions): Promise<Response> {
    const headers: Record<string, string> = { ...opts.headers, accept: 'application/json' };
    const token = this.tokens?.accessToken();
    if (token) headers.authorization = `Bearer ${token}`;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    return fetch(this.baseUrl + withQuery(path, opts.query), {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      credentials: 'same-origin',
      signal: opts.signal,
    });
  }

  private async unwrap<T>(res: Response): Promise<T> {
    let body: unknown = null;
    try {
      body = await res.json();
    } catch {
      /* not JSON: handled below */
    }
    const env = body as { success?: boolean; data?: T; error?: { code: string; message: string; details?: unknown } } | null;
    if (res.ok && env && env.success) return env.data as T;
    const retry = Number(res.headers.get('retry-after'));
    throw new ApiError(
      res.status,
      env?.error?.code ?? 'HTTP_ERROR',
      env?.error?.message ?? `HTTP ${res.status}`,
      env?.error?.details,
      Number.isFinite(retry) && retry > 0 ? retry : undefined,
    );
  }
}
