import { AppError, ErrorCode } from '@kg/shared';
import type { AppContext } from '../context';
import { abuseLimits } from './abuse-limits';
import { HasherBusyError, passwordHasher } from './password-hasher';

/*
 * Password hashing on request paths (sign-in, register, change password). Each hash or compare
 * first counts against the fleet-wide ceiling (429), then joins the process's bounded queue of
 * the hashing threads (503 with Retry-After when full), so a flood of sign-ins cannot build an
 * unbounded backlog of CPU work (docs/security.md, Abuse limits).
 */

function busy(err: HasherBusyError): AppError {
  return new AppError(ErrorCode.ServiceUnavailable, 503, 'The server is busy checking passwords; try again shortly', {
    headers: { 'Retry-After': String(err.retryAfterSeconds) },
    details: { retryAfterSeconds: err.retryAfterSeconds },
  });
}

async function bounded<T>(ctx: AppContext, work: (maxQueued: number) => Promise<T>): Promise<T> {
  await abuseLimits(ctx).passwordHashing();
  try {
    return await work(ctx.config.PASSWORD_HASH_QUEUE_MAX);
  } catch (err) {
    if (err instanceof HasherBusyError) throw busy(err);
    throw err;
  }
}

/** bcrypt hash of a new password at BCRYPT_COST, within the abuse limits. */
export function hashWithinLimits(ctx: AppContext, password: string): Promise<string> {
  return bounded(ctx, (maxQueued) => passwordHasher.hash(password, ctx.config.BCRYPT_COST, { maxQueued }));
}

/** True when `password` matches `hash`, within the abuse limits. */
export function verifyWithinLimits(ctx: AppContext, password: string, hash: string): Promise<boolean> {
  return bounded(ctx, (maxQueued) => passwordHasher.verify(password, hash, { maxQueued }));
}
