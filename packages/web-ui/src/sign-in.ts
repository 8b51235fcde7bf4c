import { ApiError } from './api/client';

type Translate = (key: string, values?: Record<string, unknown>) => string;

/**
 * What a sign-in page says for a refused sign-in, in the user's language: a locked account with
 * the minutes left, a rate limit with the seconds to wait, a disabled account, wrong credentials.
 * Both apps' pages use the same `login.*` keys; `extra` maps further error codes to keys.
 */
export function explainSignInError(err: unknown, t: Translate, extra: Record<string, string> = {}): string {
  if (!(err instanceof ApiError)) return String(err);
  const wait = err.retryAfterSeconds ?? 0;
  switch (err.code) {
    case 'ACCOUNT_LOCKED':
      return t('login.locked', { minutes: Math.max(1, Math.ceil(wait / 60)) });
    case 'RATE_LIMITED':
      return t('login.rateLimited', { seconds: wait || 60 });
    case 'ACCOUNT_DISABLED':
      return t('login.inactive');
    case 'INVALID_CREDENTIALS':
      return t('login.invalid');
    default:
      return extra[err.code] ? t(extra[err.code]!) : err.message;
  }
}
