import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { errors } from '@kg/shared';
import type { AppContext } from '../context';

/**
 * The abuse limits of docs/security.md ("Abuse limits"): attempts per client IP and per account
 * on every credential and SMS endpoint, and a fleet-wide ceiling on password hashing. Counters
 * live in Redis (rate-limiter-flexible, one atomic script per attempt), so every instance of the
 * control plane shares them.
 */
export type LimitedFlow = 'adminSignIn' | 'signIn' | 'register' | 'sendCode';
export type LimitScope = 'ip' | 'account';
type LimiterName = `${LimitedFlow}:${LimitScope}` | 'passwordHashing';

export class AbuseLimits {
  private readonly limiters: Map<LimiterName, RateLimiterRedis>;

  constructor(ctx: Pick<AppContext, 'redis' | 'config'>) {
    const c = ctx.config;
    const windows: Record<LimitedFlow, [perIp: number, perAccount: number, seconds: number]> = {
      adminSignIn: [c.RATE_LIMIT_SIGN_IN_PER_IP, c.RATE_LIMIT_SIGN_IN_PER_ACCOUNT, c.RATE_LIMIT_SIGN_IN_WINDOW_SECONDS],
      signIn: [c.RATE_LIMIT_SIGN_IN_PER_IP, c.RATE_LIMIT_SIGN_IN_PER_ACCOUNT, c.RATE_LIMIT_SIGN_IN_WINDOW_SECONDS],
      register: [c.RATE_LIMIT_REGISTER_PER_IP, c.RATE_LIMIT_REGISTER_PER_ACCOUNT, c.RATE_LIMIT_REGISTER_WINDOW_SECONDS],
      sendCode: [c.RATE_LIMIT_SEND_CODE_PER_IP, c.RATE_LIMIT_SEND_CODE_PER_ACCOUNT, c.RATE_LIMIT_SEND_CODE_WINDOW_SECONDS],
    };
    const make = (name: LimiterName, points: number, duration: number) =>
      new RateLimiterRedis({
        storeClient: ctx.redis,
        keyPrefix: `${c.REDIS_KEY_PREFIX}rl:${name}`,
        points,
        duration,
        // Redis down: fail at once (503) rather than wait on the client's offline queue.
        rejectIfRedisNotReady: true,
      });
    this.limiters = new Map();
    for (const [flow, [perIp, perAccount, seconds]] of Object.entries(windows) as Array<[LimitedFlow, number[]]>) {
      this.limiters.set(`${flow}:ip`, make(`${flow}:ip`, perIp!, seconds!));
      this.limiters.set(`${flow}:account`, make(`${flow}:account`, perAccount!, seconds!));
    }
    this.limiters.set('passwordHashing', make('passwordHashing', c.PASSWORD_HASH_GLOBAL_PER_SECOND, 1));
  }

  /** Counts one attempt of `flow` for the client IP (see {@link clientKey}); 429 over the limit. */
  perIp(flow: LimitedFlow, ip: string | null | undefined): Promise<void> {
    return this.consume(`${flow}:ip`, clientKey(ip));
  }

  /** Counts one attempt of `flow` for an account (phone, username or user id); 429 over the limit. */
  perAccount(flow: LimitedFlow, account: string): Promise<void> {
    return this.consume(`${flow}:account`, account.trim().toLowerCase());
  }

  /** Counts one password hash or compare against the fleet-wide ceiling; 429 over it. */
  passwordHashing(): Promise<void> {
    return this.consume('passwordHashing', 'all');
  }

  private async consume(name: LimiterName, key: string): Promise<void> {
    try {
      await this.limiters.get(name)!.consume(key);
    } catch (outcome) {
      if (outcome instanceof RateLimiterRes) {
        throw errors.rateLimited(outcome.msBeforeNext / 1000, 'Too many attempts; try again later');
      }
      throw errors.unavailable(undefined, outcome);
    }
  }
}

const instances = new WeakMap<AppContext, AbuseLimits>();

/** The abuse limits of this control-plane context (built on first use). */
export function abuseLimits(ctx: AppContext): AbuseLimits {
  let limits = instances.get(ctx);
  if (!limits) {
    limits = new AbuseLimits(ctx);
    instances.set(ctx, limits);
  }
  return limits;
}

const IPV4_MAPPED = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

/**
 * The counter key of a client address: an IPv4 address as is, an IPv6 address by its /64
 * network (one subscriber usually holds a whole /64, so counting single v6 addresses would let
 * one client rotate through 2^64 keys).
 */
export function clientKey(ip: string | null | undefined): string {
  if (!ip) return 'unknown';
  const mapped = IPV4_MAPPED.exec(ip);
  if (mapped) return mapped[1]!;
  if (!ip.includes(':')) return ip;
  const [head = '', tail = ''] = ip.split('%')[0]!.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = ip.includes('::') && tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
