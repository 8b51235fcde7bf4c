import crypto from 'node:crypto';
import { AppError, errors, withTransaction } from '@kg/shared';
import type { AppContext } from '../../context';
import { ConsoleSmsProvider, type DevInboxEntry, type SmsProvider } from './sms.provider';
import { consumeCode, insertSmsCode, lockLatestCode, recordWrongAttempt } from './sms.repository';

/** What a code may be used for (docs/auth.md, "SMS codes"). */
export const SMS_PURPOSES = ['tenant_create', 'register', 'login', 'reset_password'] as const;
export type SmsPurpose = (typeof SMS_PURPOSES)[number];

export const SmsErrorCode = {
  CodeInvalid: 'SMS_CODE_INVALID',
  CodeExpired: 'SMS_CODE_EXPIRED',
  AttemptsExceeded: 'SMS_CODE_ATTEMPTS_EXCEEDED',
  ResendThrottled: 'SMS_RESEND_THROTTLED',
  DailyLimit: 'SMS_DAILY_LIMIT_REACHED',
} as const;

/** The request field the code errors are reported on unless the caller names another. */
const CODE_FIELD = 'smsVerificationCode';

const providers = new WeakMap<AppContext, SmsProvider>();
const hashKeys = new WeakMap<AppContext, Buffer>();

/** The SMS provider of this process (SMS_PROVIDER; only `console` exists so far). */
export function smsProvider(ctx: AppContext): SmsProvider {
  let p = providers.get(ctx);
  if (!p) {
    p = new ConsoleSmsProvider(ctx.redis, ctx.logger, ctx.config.REDIS_KEY_PREFIX, ctx.config.NODE_ENV);
    providers.set(ctx, p);
  }
  return p;
}

/**
 * Codes are stored as an HMAC under a key derived from MASTER_KEY, so a copy of the table alone
 * does not let anyone try the million possible codes offline.
 */
function hashCode(ctx: AppContext, phone: string, purpose: string, code: string): string {
  let key = hashKeys.get(ctx);
  if (!key) {
    const master = Buffer.from(ctx.config.MASTER_KEY, 'base64');
    key = Buffer.from(crypto.hkdfSync('sha256', master, Buffer.alloc(0), 'kg:sms-code:v1', 32));
    hashKeys.set(ctx, key);
  }
  return crypto.createHmac('sha256', key).update(`${phone}\n${purpose}\n${code}`).digest('hex');
}

function codeError(field: string, code: string, message: string, extra: Record<string, unknown> = {}): AppError {
  return new AppError(code, 400, message, { details: [{ field, message, ...extra }] });
}

function secondsUntilUtcMidnight(now: Date): number {
  const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  return Math.ceil((midnight - now.getTime()) / 1000);
}

/**
 * Sends a 6-digit code to `phone` for `purpose`. At most one code per phone and purpose every
 * SMS_RESEND_SECONDS and SMS_DAILY_LIMIT codes per phone per day (UTC), both answered with 429
 * and Retry-After. A new code replaces any earlier unused one.
 */
export async function sendSmsCode(
  ctx: AppContext,
  input: { phone: string; purpose: SmsPurpose; ip: string | null },
): Promise<{ expiresInSeconds: number; resendAfterSeconds: number }> {
  const { config } = ctx;
  const resendKey = ctx.key('sms', 'resend', input.phone, input.purpose);
  const acquired = await ctx.redis.set(resendKey, '1', 'EX', config.SMS_RESEND_SECONDS, 'NX');
  if (acquired === null) {
    const ttl = await ctx.redis.ttl(resendKey);
    const wait = ttl > 0 ? ttl : config.SMS_RESEND_SECONDS;
    throw new AppError(SmsErrorCode.ResendThrottled, 429, `A code was sent recently; try again in ${wait} s`, {
      headers: { 'Retry-After': String(wait) },
      details: { retryAfterSeconds: wait },
    });
  }
  const now = new Date();
  const dayKey = ctx.key('sms', 'daily', input.phone, now.toISOString().slice(0, 10));
  const sentToday = await ctx.redis.incr(dayKey);
  if (sentToday === 1) await ctx.redis.expire(dayKey, 2 * 24 * 3600);
  if (sentToday > config.SMS_DAILY_LIMIT) {
    await ctx.redis.decr(dayKey);
    const wait = secondsUntilUtcMidnight(now);
    throw new AppError(SmsErrorCode.DailyLimit, 429, 'Too many codes were sent to this phone today', {
      headers: { 'Retry-After': String(wait) },
      details: { retryAfterSeconds: wait, limit: config.SMS_DAILY_LIMIT },
    });
  }
  const code = String(crypto.randomInt(0, 1_000_000)).padStart(6, '0');
  const expiresAt = new Date(now.getTime() + config.SMS_CODE_TTL_SECONDS * 1000);
  try {
    await insertSmsCode(ctx.db, {
      phone: input.phone,
      purpose: input.purpose,
      codeHash: hashCode(ctx, input.phone, input.purpose, code),
      maxAttempts: config.SMS_MAX_ATTEMPTS,
      expiresAt,
      ip: input.ip,
    });
    await smsProvider(ctx).sendCode({ phone: input.phone, purpose: input.purpose, code, expiresAt });
  } catch (err) {
    // Nothing was delivered: let the caller try again at once.
    await ctx.redis.del(resendKey).catch(() => undefined);
    await ctx.redis.decr(dayKey).catch(() => undefined);
    throw err;
  }
  return { expiresInSeconds: config.SMS_CODE_TTL_SECONDS, resendAfterSeconds: config.SMS_RESEND_SECONDS };
}

type Outcome = 'ok' | 'missing' | 'expired' | 'exhausted' | { wrong: number };

/**
 * Checks the code last sent to `phone` for `purpose` and consumes it on success, so a code
 * works once. Failures are 400 errors on the request field `field` (default
 * `smsVerificationCode`): SMS_CODE_INVALID (wrong or never sent), SMS_CODE_EXPIRED,
 * SMS_CODE_ATTEMPTS_EXCEEDED (after SMS_MAX_ATTEMPTS wrong tries the code is dead and a new one
 * must be requested).
 */
export async function verifySmsCode(
  ctx: AppContext,
  input: { phone: string; purpose: SmsPurpose; code: string; field?: string },
): Promise<void> {
  const field = input.field ?? CODE_FIELD;
  const given = String(input.code ?? '').trim();
  const outcome = await withTransaction<Outcome>(ctx.db, async (conn) => {
    const row = await lockLatestCode(conn, input.phone, input.purpose);
    if (!row) return 'missing';
    if (row.expiresAt.getTime() <= Date.now()) return 'expired';
    if (row.attempts >= row.maxAttempts) return 'exhausted';
    const expected = Buffer.from(row.codeHash, 'hex');
    const actual = Buffer.from(hashCode(ctx, input.phone, input.purpose, given), 'hex');
    if (/^\d{6}$/.test(given) && crypto.timingSafeEqual(expected, actual)) {
      await consumeCode(conn, row.id);
      return 'ok';
    }
    await recordWrongAttempt(conn, row.id);
    return { wrong: row.maxAttempts - row.attempts - 1 };
  });
  if (outcome === 'ok') return;
  if (outcome === 'missing') throw codeError(field, SmsErrorCode.CodeInvalid, 'No verification code was sent, or it was already used; request a new one');
  if (outcome === 'expired') throw codeError(field, SmsErrorCode.CodeExpired, 'The verification code has expired; request a new one');
  if (outcome === 'exhausted' || outcome.wrong <= 0) {
    throw codeError(field, SmsErrorCode.AttemptsExceeded, 'Too many wrong tries; request a new verification code');
  }
  throw codeError(field, SmsErrorCode.CodeInvalid, 'The verification code is wrong', { attemptsLeft: outcome.wrong });
}

/**
 * Reads the last codes the console provider "sent", newest first (the dev inbox); 404 with any
 * other provider, checked before the request's query is looked at.
 */
export function openDevInbox(ctx: AppContext): (phone: string | undefined) => Promise<DevInboxEntry[]> {
  const provider = smsProvider(ctx);
  if (!(provider instanceof ConsoleSmsProvider) || !provider.hasInbox) {
    throw errors.notFound('The dev inbox exists only with SMS_PROVIDER=console, outside production');
  }
  return (phone) => provider.inbox(phone);
}
