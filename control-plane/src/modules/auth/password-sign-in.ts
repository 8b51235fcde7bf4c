import { AppError, ErrorCode, errors } from '@kg/shared';
import type { AppContext } from '../../context';
import { passwordHasher } from '../../internal/password-hasher';
import { verifyWithinLimits } from '../../internal/password-hashing';
import {
  recordAuthEvent,
  recordLoginAttempt,
  recordSecurityEvent,
  type ClientInfo,
  type LoginFailureReason,
  type SubjectType,
} from './auth-log.repository';
import type { FailedLoginOutcome } from './global-user.repository';

/** What the sign-in check needs to know about an account, admin or user. */
export interface SignInAccount {
  id: number;
  passwordHash: string;
  lockedNow: boolean;
  lockedUntil: Date | null;
  /** False for suspended, deleted or inactive accounts. */
  enabled: boolean;
}

/** The account table's lockout bookkeeping (admin_users and global_users keep the same columns). */
export interface LockoutBook {
  clearExpiredLock(id: number): Promise<void>;
  recordFailure(id: number): Promise<FailedLoginOutcome>;
  recordSuccess(id: number): Promise<void>;
}

const dummyHashes = new Map<number, Promise<string>>();

/**
 * A hash of a password nobody has, at the configured cost: unknown accounts are compared
 * against it so the response time does not reveal whether the account exists.
 */
export function dummyHash(cost: number): Promise<string> {
  let hash = dummyHashes.get(cost);
  if (!hash) {
    hash = passwordHasher.hash(`no-such-account-${cost}-x9`, cost);
    hash.catch(() => dummyHashes.delete(cost));
    dummyHashes.set(cost, hash);
  }
  return hash;
}

/**
 * Checks a password sign-in against the lockout policy (docs/auth.md, "Lockout") and records
 * the attempt in login_history. Unknown accounts and wrong passwords fail alike (401 INVALID_CREDENTIALS); a
 * locked account is refused even with the right password (403 ACCOUNT_LOCKED with Retry-After);
 * a disabled account is only revealed to someone who knows its password (403 ACCOUNT_DISABLED).
 * Resolves when the caller may issue tokens.
 */
export async function checkPasswordSignIn(
  ctx: AppContext,
  attempt: {
    subjectType: SubjectType;
    identifier: string;
    /** How the identifier is called in the error message ("phone number", "username"). */
    identifierLabel: string;
    account: SignInAccount | undefined;
    password: string;
    book: LockoutBook;
    client: ClientInfo;
  },
): Promise<void> {
  const { subjectType, identifier, identifierLabel, account, password, book, client } = attempt;
  const fail = async (reason: LoginFailureReason, error: AppError): Promise<never> => {
    const subjectId = account?.id ?? null;
    await recordLoginAttempt(ctx.db, { subjectType, subjectId, identifier, success: false, failureReason: reason, client });
    await recordAuthEvent(ctx.db, {
      subjectType,
      subjectId,
      eventType: 'login_failed',
      success: false,
      client,
      details: { reason, identifier },
    });
    throw error;
  };
  const invalid = () => errors.unauthorized(`Wrong ${identifierLabel} or password`, ErrorCode.InvalidCredentials);

  if (!account) {
    await verifyWithinLimits(ctx, password, await dummyHash(ctx.config.BCRYPT_COST));
    return fail('unknown_account', invalid());
  }
  if (account.lockedNow && account.lockedUntil) return fail('account_locked', lockedError(account.lockedUntil));
  if (account.lockedUntil) await book.clearExpiredLock(account.id);

  if (!(await verifyWithinLimits(ctx, password, account.passwordHash))) {
    const outcome = await book.recordFailure(account.id);
    if (outcome.justLocked) {
      await recordSecurityEvent(ctx.db, {
        eventType: 'account_locked',
        severity: 'medium',
        subjectType,
        subjectId: account.id,
        ip: client.ip,
        details: {
          identifier,
          attempts: outcome.attempts,
          lockedUntil: outcome.lockedUntil?.toISOString() ?? null,
          userAgent: client.userAgent,
        },
      });
    }
    return fail('invalid_password', invalid());
  }
  if (!account.enabled) {
    return fail('account_disabled', errors.forbidden('This account is disabled', ErrorCode.AccountDisabled));
  }

  await book.recordSuccess(account.id);
  await recordLoginAttempt(ctx.db, { subjectType, subjectId: account.id, identifier, success: true, client });
}

function lockedError(lockedUntil: Date): AppError {
  const retryAfter = Math.max(1, Math.ceil((lockedUntil.getTime() - Date.now()) / 1000));
  return new AppError(
    ErrorCode.AccountLocked,
    403,
    'Too many failed sign-in attempts; the account is locked for now',
    { details: { lockedUntil: lockedUntil.toISOString() }, headers: { 'Retry-After': String(retryAfter) } },
  );
}
