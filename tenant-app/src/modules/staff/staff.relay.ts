import { AppError } from '@kg/shared';

/** An answer of the control plane, passed to the caller as it is (status, envelope, Retry-After). */
export interface RelayedAnswer {
  status: number;
  body: unknown;
  retryAfter: string | null;
}

/**
 * Client of the control plane's staff management (docs/staff-app.md, "Where the write lives"):
 * `{CONTROL_PLANE_URL}/api/v1/staff…` and `/api/v1/roles…` (and the billing routes, docs/staff-app.md,
 * "Billing") with the user's own bearer token and
 * the request's tenant in X-Tenant-Code. The control plane owns both sides of a membership and
 * checks the permission again; its answers reach the user unchanged. An unreachable control
 * plane is a 503.
 */
export class StaffRelay {
  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs: number,
    /** What an unreachable control plane is called in the 503 (billing reuses this relay). */
    private readonly unavailable = 'Staff management is unavailable, try again shortly',
  ) {}

  async send(input: {
    method: string;
    path: string;
    query?: string;
    body?: unknown;
    token: string;
    tenantCode: string;
    requestId?: string;
    userAgent?: string;
  }): Promise<RelayedAnswer> {
    let res: Response;
    try {
      res = await fetch(new URL(`/api/v1${input.path}${input.query ?? ''}`, this.baseUrl), {
        method: input.method,
        headers: {
          authorization: `Bearer ${input.token}`,
          'x-tenant-code': input.tenantCode,
          ...(input.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(input.requestId ? { 'x-request-id': input.requestId } : {}),
          ...(input.userAgent ? { 'user-agent': input.userAgent.slice(0, 500) } : {}),
        },
        body: input.body === undefined ? undefined : JSON.stringify(input.body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new AppError('SERVICE_UNAVAILABLE', 503, this.unavailable, { cause: err });
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      throw new AppError('SERVICE_UNAVAILABLE', 503, this.unavailable, { details: { status: res.status } });
    }
    return { status: res.status, body, retryAfter: res.headers.get('retry-after') };
  }
}
