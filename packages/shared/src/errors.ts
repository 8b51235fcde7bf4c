/**
 * Typed application errors. Every failure that reaches a client is an AppError with a stable
 * code (docs/control-plane.md, "Answers and errors"); the error handler renders it as
 * `{ success: false, error: { code, message, details } }`.
 */
export enum ErrorCode {
  ValidationError = 'VALIDATION_ERROR',
  BadRequest = 'BAD_REQUEST',
  Unauthorized = 'UNAUTHORIZED',
  InvalidCredentials = 'INVALID_CREDENTIALS',
  AccountLocked = 'ACCOUNT_LOCKED',
  AccountDisabled = 'ACCOUNT_DISABLED',
  TokenExpired = 'TOKEN_EXPIRED',
  TokenInvalid = 'TOKEN_INVALID',
  TokenRevoked = 'TOKEN_REVOKED',
  RefreshTokenReused = 'REFRESH_TOKEN_REUSED',
  PasswordChangeRequired = 'PASSWORD_CHANGE_REQUIRED',
  Forbidden = 'FORBIDDEN',
  NotFound = 'NOT_FOUND',
  TenantNotFound = 'TENANT_NOT_FOUND',
  TenantSuspended = 'TENANT_SUSPENDED',
  TenantDeleted = 'TENANT_DELETED',
  TenantNotReady = 'TENANT_NOT_READY',
  TenantConflict = 'TENANT_CONFLICT',
  NotBoundToTenant = 'NOT_BOUND_TO_TENANT',
  UserNotFound = 'USER_NOT_FOUND',
  Conflict = 'CONFLICT',
  PaymentRequired = 'PAYMENT_REQUIRED',
  RateLimited = 'RATE_LIMITED',
  ServiceUnavailable = 'SERVICE_UNAVAILABLE',
  Internal = 'INTERNAL_ERROR',
}

export interface FieldError {
  field: string;
  message: string;
}

export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details?: unknown;
  /** Extra response headers, e.g. Retry-After for 429. */
  readonly headers?: Record<string, string>;

  constructor(
    code: string,
    status: number,
    message: string,
    opts: { details?: unknown; cause?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = status;
    this.details = opts.details;
    this.headers = opts.headers;
  }
}

export const errors = {
  validation: (details: FieldError[], message = 'Request validation failed') =>
    new AppError(ErrorCode.ValidationError, 400, message, { details }),
  badRequest: (message: string, code: string = ErrorCode.BadRequest, details?: unknown) =>
    new AppError(code, 400, message, { details }),
  unauthorized: (message = 'Authentication required', code: string = ErrorCode.Unauthorized) =>
    new AppError(code, 401, message),
  forbidden: (message = 'You do not have permission to do this', code: string = ErrorCode.Forbidden) =>
    new AppError(code, 403, message),
  notFound: (message = 'Not found', code: string = ErrorCode.NotFound) => new AppError(code, 404, message),
  conflict: (message: string, code: string = ErrorCode.Conflict, details?: unknown) =>
    new AppError(code, 409, message, { details }),
  gone: (message: string, code: string = ErrorCode.TenantDeleted) => new AppError(code, 410, message),
  paymentRequired: (message: string) => new AppError(ErrorCode.PaymentRequired, 402, message),
  rateLimited: (retryAfterSeconds: number, message = 'Too many requests') =>
    new AppError(ErrorCode.RateLimited, 429, message, {
      headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
      details: { retryAfterSeconds: Math.max(1, Math.ceil(retryAfterSeconds)) },
    }),
  unavailable: (message = 'A backing service is unavailable, try again shortly', cause?: unknown) =>
    new AppError(ErrorCode.ServiceUnavailable, 503, message, { cause }),
  internal: (message = 'Internal server error', cause?: unknown) =>
    new AppError(ErrorCode.Internal, 500, message, { cause }),
};

const MYSQL_DOWN_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'POOL_CLOSED',
  'ER_SERVER_SHUTDOWN',
]);

/**
 * True when an error means a backing store (MySQL or Redis) cannot be reached, as opposed to a
 * bug or a bad query. Such errors are answered with 503 rather than 500.
 */
export function isBackendUnavailable(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown };
  if (typeof e.code === 'string' && MYSQL_DOWN_CODES.has(e.code)) return true;
  if (e.name === 'MaxRetriesPerRequestError') return true;
  if (typeof e.message === 'string') {
    const m = e.message;
    if (m.includes("Stream isn't writeable") || m.includes('Connection is closed') || m.includes('connect ECONNREFUSED')) {
      return true;
    }
    if (m.includes('Pool is closed') || m.includes('Connection lost') || m.includes('connect ETIMEDOUT')) return true;
  }
  if (e.cause && e.cause !== err) return isBackendUnavailable(e.cause);
  return false;
}
