import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError, errors } from '@kg/shared';
import type { AppContext } from '../../context';
import type { BridgeCaller } from '../ai-bridge/bridge-caller.service';

/** Answers of a redeem that count as a failed guess: unknown code, used card, expired card. */
const FAILED = new Set([404, 409, 410]);

/**
 * The limit on failed recharge-card redeems (docs/security.md, "Abuse limits"): codes carry about
 * 100 bits, and this keeps anyone from even starting to guess them. Failures are counted per
 * tenant and per user in Redis (every instance shares the counters); once either reached
 * RATE_LIMIT_REDEEM_FAILURES within the window, every redeem of that tenant or user answers 429
 * with Retry-After, before the card is looked up. Successful redeems are not counted, so an admin
 * entering a whole batch of valid cards is never stopped.
 */
export class RedeemLimit {
  private readonly limiter: RateLimiterRedis;
  private readonly max: number;

  constructor(ctx: Pick<AppContext, 'redis' | 'config'>) {
    this.max = ctx.config.RATE_LIMIT_REDEEM_FAILURES;
    this.limiter = new RateLimiterRedis({
      storeClient: ctx.redis,
      keyPrefix: `${ctx.config.REDIS_KEY_PREFIX}rl:redeem-failures`,
      points: this.max,
      duration: ctx.config.RATE_LIMIT_REDEEM_WINDOW_SECONDS,
      rejectIfRedisNotReady: true,
    });
  }

  /** Runs `redeem` unless the caller's tenant or the caller is over the limit; counts its failure. */
  async guard<T>(caller: BridgeCaller, redeem: () => Promise<T>): Promise<T> {
    const keys = [`tenant:${caller.tenant.tenantCode}`, `user:${caller.globalUserId}`];
    await this.refuseWhenOver(keys);
    try {
      return await redeem();
    } catch (err) {
      if (err instanceof AppError && FAILED.has(err.status)) {
        // Counting a failure past the limit rejects; the next attempt is refused by refuseWhenOver.
        await Promise.all(keys.map((k) => this.limiter.consume(k).catch((e: unknown) => (e instanceof RateLimiterRes ? undefined : Promise.reject(e)))));
      }
      throw err;
    }
  }

  private async refuseWhenOver(keys: string[]): Promise<void> {
    let states: Array<RateLimiterRes | null>;
    try {
      states = await Promise.all(keys.map((k) => this.limiter.get(k)));
    } catch (err) {
      throw errors.unavailable(undefined, err);
    }
    const over = states.filter((s): s is RateLimiterRes => s !== null && s.consumedPoints >= this.max);
    if (over.length > 0) {
      const wait = Math.max(...over.map((s) => s.msBeforeNext)) / 1000;
      throw errors.rateLimited(wait, 'Too many failed recharge attempts; try again later');
    }
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
