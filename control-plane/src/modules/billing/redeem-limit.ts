import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError, errors } from '@kg/shared';
import type { AppContext } from '../../context';
import type { BridgeCaller } from '../ai-bridge/bridge-caller.service';

/** Answers of a redeem that count as a failed guess: unknown code, used card, expired card. */
const FAILED = new Set([404, 409, 410]);

/**
 * The limit on failed recharge-card redeems (docs/security.md, "Abuse limits"): codes carry about
 * 100 bits, and this keeps anyone from even starting to guess them. Failures are counted per
 * tenant and per user in Redis (every instance shares the counters). Each redeem takes a slot of
 * both counters before the card is looked up, atomically, so guesses sent at the same moment
 * cannot pass the limit together; a redeem that did not fail (success, or refused for another
 * reason) gives its slots back. Once either counter is full, every redeem of that tenant or user
 * answers 429 with Retry-After until the window frees a slot, a valid code included; an admin
 * entering a whole batch of valid cards is never stopped.
 */
export class RedeemLimit {
  private readonly limiter: RateLimiterRedis;

  constructor(ctx: Pick<AppContext, 'redis' | 'config'>) {
    this.limiter = new RateLimiterRedis({
      storeClient: ctx.redis,
      keyPrefix: `${ctx.config.REDIS_KEY_PREFIX}rl:redeem-failures`,
      points: ctx.config.RATE_LIMIT_REDEEM_FAILURES,
      duration: ctx.config.RATE_LIMIT_REDEEM_WINDOW_SECONDS,
      rejectIfRedisNotReady: true,
    });
  }

  /** Runs `redeem` within the caller's tenant's and the caller's own limits (429 beyond). */
  async guard<T>(caller: BridgeCaller, redeem: () => Promise<T>): Promise<T> {
    const keys = [`tenant:${caller.tenant.tenantCode}`, `user:${caller.globalUserId}`];
    await this.take(keys);
    let failed = false;
    try {
      return await redeem();
    } catch (err) {
      failed = err instanceof AppError && FAILED.has(err.status);
      throw err;
    } finally {
      if (!failed) await this.giveBack(keys);
    }
  }

  /** Takes one slot of every counter, or none: over a limit, the slots taken are returned and 429 thrown. */
  private async take(keys: string[]): Promise<void> {
    const outcomes = await Promise.allSettled(keys.map((k) => this.limiter.consume(k)));
    const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
    if (refused.length === 0) return;
    await this.giveBack(keys);
    const over = refused.filter((r): r is RateLimiterRes => r instanceof RateLimiterRes);
    if (over.length < refused.length) throw errors.unavailable(undefined, refused.find((r) => !(r instanceof RateLimiterRes)));
    throw errors.rateLimited(Math.max(...over.map((r) => r.msBeforeNext)) / 1000, 'Too many failed recharge attempts; try again later');
  }

  private async giveBack(keys: string[]): Promise<void> {
    await Promise.all(keys.map((k) => this.limiter.reward(k, 1).catch(() => undefined)));
  }
}

const instances = new WeakMap<object, RedeemLimit>();

/** The redeem limit of this control-plane context (built on first use). */
export function redeemLimit(ctx: AppContext): RedeemLimit {
  let limit = instances.get(ctx);
  if (!limit) {
    limit = new RedeemLimit(ctx);
    instances.set(ctx, limit);
  }
  return limit;
}
