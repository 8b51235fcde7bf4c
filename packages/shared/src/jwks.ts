import crypto, { type KeyObject } from 'node:crypto';
import jwt, { type JwtHeader } from 'jsonwebtoken';
import type { Redis } from 'ioredis';
import { AppError, ErrorCode, errors } from './errors';
import { revokedTokensChannel, type RevokedTokenMessage } from './queues';
import { subscribeJson } from './redis';
import { USER_AUDIENCE, revokedJtiKey, type UserClaims } from './tokens';

/**
 * Verifies access tokens with the control plane's public keys only (SPEC §4): the JWK set is
 * fetched from `jwksUrl`, each key parsed once into a KeyObject and cached by `kid` (verifying
 * with a KeyObject is ~20x cheaper than with a PEM string). A token signed by an unknown `kid`
 * (key rotation) triggers one refetch, rate limited so forged kids cannot hammer the control plane.
 * Used by the tenant app and any other service that accepts user tokens.
 */
export interface JwksVerifierOptions {
  jwksUrl: string;
  issuer: string;
  audience?: string;
  /** Revocation list (logout): a token whose `jti` is marked in Redis is refused. */
  redis?: Redis;
  redisPrefix?: string;
  /** Minimum time between two fetches triggered by unknown kids. */
  minRefetchIntervalMs?: number;
  /** Keys are refreshed in the background after this age even when every kid is known. */
  maxKeyAgeMs?: number;
  fetchTimeoutMs?: number;
  /** Allowed clock skew for exp/nbf. */
  clockToleranceSeconds?: number;
  fetchImpl?: typeof fetch;
  /** How long a "not revoked" answer from Redis is reused (0: ask Redis on every request). */
  revocationCacheMs?: number;
  /** How many verified tokens are remembered (their signature is not checked again until expiry). */
  verifiedCacheSize?: number;
}

interface Jwk {
  kid?: string;
  kty?: string;
  alg?: string;
  use?: string;
  n?: string;
  e?: string;
}

export class JwksVerifier {
  private keys = new Map<string, KeyObject>();
  /**
   * Tokens whose signature was already verified (RS256 costs tens of microseconds per check),
   * keyed by the end of the signature: a token arrives as a new string with every request, and
   * hashing all ~700 characters for the lookup cost about 1 us. The entry keeps the whole token,
   * which must match exactly.
   */
  private readonly verified = new Map<string, { token: string; claims: UserClaims }>();
  /** jti -> when Redis last said it was not revoked (only with revocationCacheMs > 0). */
  private readonly notRevoked = new Map<string, number>();
  private readonly revocationChecks = new Map<string, Promise<boolean>>();
  /** jti -> expiry (ms) of tokens announced as revoked (only with listen()). */
  private readonly revoked = new Map<string, number>();
  /** Revocation announcements received (diagnostics and tests). */
  revocationMessages = 0;
  private fetchedAt = 0;
  private inflight?: Promise<void>;
  /** Number of successful JWKS downloads (observable in tests and metrics). */
  fetchCount = 0;
  private readonly opts: Required<Omit<JwksVerifierOptions, 'redis' | 'fetchImpl'>> &
    Pick<JwksVerifierOptions, 'redis' | 'fetchImpl'>;

  constructor(options: JwksVerifierOptions) {
    this.opts = {
      audience: USER_AUDIENCE,
      redisPrefix: '',
      minRefetchIntervalMs: 5_000,
      maxKeyAgeMs: 10 * 60_000,
      fetchTimeoutMs: 3_000,
      clockToleranceSeconds: 5,
      verifiedCacheSize: 10_000,
      revocationCacheMs: 0,
      ...options,
    };
  }

  /** Downloads the key set now (start-up warm-up; errors propagate). */
  async refresh(): Promise<void> {
    if (this.inflight) return this.inflight;
    this.inflight = this.download().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  /**
   * Listens for revocation announcements (the control plane publishes every logout) on a Redis
   * connection in subscriber mode: an announced token is refused at once, whatever
   * `revocationCacheMs` says, so that window only matters for an announcement that was lost.
   * After the subscription reconnects every cached "not revoked" answer is dropped, because
   * announcements may have been missed meanwhile.
   */
  async listen(subscriber: Redis): Promise<void> {
    await subscribeJson<RevokedTokenMessage>(subscriber, revokedTokensChannel(this.opts.redisPrefix), {
      message: (msg) => {
        this.revocationMessages++;
        if (msg && typeof msg.jti === 'string') this.markRevoked(msg.jti, Number(msg.exp) * 1000 || Date.now() + 24 * 3600_000);
        else this.notRevoked.clear(); // unreadable: ask Redis again for every token
      },
      reconnected: () => this.notRevoked.clear(),
    });
  }

  private markRevoked(jti: string, expMs: number): void {
    this.notRevoked.delete(jti);
    if (this.revoked.size >= this.opts.verifiedCacheSize) {
      const now = Date.now();
      for (const [k, exp] of this.revoked) if (exp < now) this.revoked.delete(k);
      // Still full: forget the oldest; Redis remains the record, so it is only asked again.
      if (this.revoked.size >= this.opts.verifiedCacheSize) this.revoked.delete(this.revoked.keys().next().value!);
    }
    this.revoked.set(jti, expMs);
  }

  /** Known key ids (for diagnostics). */
  kids(): string[] {
    return [...this.keys.keys()];
  }

  /**
   * Verifies a global-user access token: RS256 signature by a published key, issuer, audience,
   * expiry, and that its `jti` was not revoked. Throws 401 AppErrors with TOKEN_* codes.
   */
  async verifyUser(token: string): Promise<UserClaims> {
    const claims = this.remembered(token) ?? (await this.verifySignature(token));
    this.checkExpiry(token, claims);
    if (this.revocationFromMemory(claims.jti) ?? (await this.askRedis(this.opts.redis!, claims.jti))) {
      throw errors.unauthorized('Access token was revoked', ErrorCode.TokenRevoked);
    }
    return claims;
  }

  /**
   * verifyUser() without waiting: the claims when this token was verified before and its
   * revocation status is known from memory; undefined when verifyUser() must run (first sight of
   * the token, or Redis must be asked). Throws as verifyUser() does for an expired or revoked token.
   */
  peekUser(token: string): UserClaims | undefined {
    const claims = this.remembered(token);
    if (!claims) return undefined;
    this.checkExpiry(token, claims);
    const revoked = this.revocationFromMemory(claims.jti);
    if (revoked) throw errors.unauthorized('Access token was revoked', ErrorCode.TokenRevoked);
    return revoked === false ? claims : undefined;
  }

  private remembered(token: string): UserClaims | undefined {
    const entry = this.verified.get(verifiedKey(token));
    return entry !== undefined && entry.token === token ? entry.claims : undefined;
  }

  private checkExpiry(token: string, claims: UserClaims): void {
    if (claims.exp * 1000 + this.opts.clockToleranceSeconds * 1000 < Date.now()) {
      if (this.remembered(token)) this.verified.delete(verifiedKey(token));
      throw errors.unauthorized('Access token expired', ErrorCode.TokenExpired);
    }
  }

  /**
   * The revocation status as far as memory knows it (undefined: Redis must be asked). An announced
   * revocation is final. With `revocationCacheMs` > 0 a "not revoked" answer from Redis is reused
   * for that long; between one and two windows old it is still used once while Redis is asked again
   * in the background. So even a revocation whose announcement was lost is refused everywhere
   * within two windows, and a steady stream of requests never waits for Redis.
   */
  private revocationFromMemory(jti: string): boolean | undefined {
    if (this.revoked.has(jti)) return true;
    const redis = this.opts.redis;
    if (!redis) return false;
    const window = this.opts.revocationCacheMs;
    if (window <= 0) return undefined;
    const checkedAt = this.notRevoked.get(jti);
    if (checkedAt === undefined) return undefined;
    const age = Date.now() - checkedAt;
    if (age < window) return false;
    if (age < 2 * window) {
      if (!this.revocationChecks.has(jti)) {
        const check = this.askRedis(redis, jti)
          .catch(() => false)
          .finally(() => this.revocationChecks.delete(jti));
        this.revocationChecks.set(jti, check);
      }
      return false;
    }
    return undefined;
  }

  private async askRedis(redis: Redis, jti: string): Promise<boolean> {
    const revoked = (await redis.exists(revokedJtiKey(this.opts.redisPrefix, jti))) > 0 || this.revoked.has(jti);
    if (revoked) {
      this.notRevoked.delete(jti);
    } else if (this.opts.revocationCacheMs > 0) {
      if (this.notRevoked.size >= this.opts.verifiedCacheSize) this.notRevoked.delete(this.notRevoked.keys().next().value!);
      this.notRevoked.delete(jti); // re-insert: keeps the map in check order for the eviction above
      this.notRevoked.set(jti, Date.now());
    }
    return revoked;
  }

  /** Signature, issuer, audience, expiry; a verified token is remembered until it expires. */
  private async verifySignature(token: string): Promise<UserClaims> {
    let decoded: { header: JwtHeader; payload: unknown } | null;
    try {
      decoded = jwt.decode(token, { complete: true }) as { header: JwtHeader; payload: unknown } | null;
    } catch {
      decoded = null; // a payload that is not JSON makes the library throw: malformed, not a 500
    }
    const kid = decoded?.header?.kid;
    if (!decoded || decoded.header.alg !== 'RS256' || typeof kid !== 'string' || !kid) {
      throw errors.unauthorized('Malformed access token', ErrorCode.TokenInvalid);
    }
    const key = await this.keyFor(kid);
    if (!key) throw errors.unauthorized('Access token signed by an unknown key', ErrorCode.TokenInvalid);
    let claims: Record<string, unknown>;
    try {
      claims = jwt.verify(token, key, {
        algorithms: ['RS256'],
        audience: this.opts.audience,
        issuer: this.opts.issuer,
        clockTolerance: this.opts.clockToleranceSeconds,
      }) as Record<string, unknown>;
    } catch (err) {
      if (err instanceof jwt.TokenExpiredError) throw errors.unauthorized('Access token expired', ErrorCode.TokenExpired);
      throw new AppError(ErrorCode.TokenInvalid, 401, 'Invalid access token', { cause: err });
    }
    if (claims.typ !== 'user' || typeof claims.sub !== 'string') {
      throw errors.unauthorized('Not a user access token', ErrorCode.TokenInvalid);
    }
    if (typeof claims.jti !== 'string' || typeof claims.exp !== 'number') {
      throw errors.unauthorized('Access token has no id or expiry', ErrorCode.TokenInvalid);
    }
    const user = claims as unknown as UserClaims;
    // Bounded: a flood of distinct valid tokens only evicts older entries.
    if (this.verified.size >= this.opts.verifiedCacheSize) {
      this.verified.delete(this.verified.keys().next().value!);
    }
    this.verified.set(verifiedKey(token), { token, claims: user });
    return user;
  }

  private async keyFor(kid: string): Promise<KeyObject | undefined> {
    const known = this.keys.get(kid);
    const age = Date.now() - this.fetchedAt;
    if (known) {
      // Refresh in the background so retired keys eventually disappear.
      if (age > this.opts.maxKeyAgeMs && !this.inflight) void this.refresh().catch(() => undefined);
      return known;
    }
    if (this.fetchedAt === 0 || age >= this.opts.minRefetchIntervalMs) {
      try {
        await this.refresh();
      } catch (err) {
        if (this.keys.size === 0) throw errors.unavailable('Cannot fetch the signing keys of the control plane', err);
      }
    } else if (this.inflight) {
      await this.inflight.catch(() => undefined);
    }
    return this.keys.get(kid);
  }

  private async download(): Promise<void> {
    const doFetch = this.opts.fetchImpl ?? fetch;
    const res = await doFetch(this.opts.jwksUrl, { signal: AbortSignal.timeout(this.opts.fetchTimeoutMs) });
    // Count the attempt even when it fails, so the rate limit also holds against a broken endpoint.
    this.fetchedAt = Date.now();
    if (!res.ok) throw new Error(`JWKS fetch failed: HTTP ${res.status}`);
    const body = (await res.json()) as { keys?: Jwk[] };
    const next = new Map<string, KeyObject>();
    for (const jwk of body.keys ?? []) {
      if (!jwk.kid || jwk.kty !== 'RSA' || (jwk.alg && jwk.alg !== 'RS256') || (jwk.use && jwk.use !== 'sig')) continue;
      const existing = this.keys.get(jwk.kid);
      try {
        next.set(jwk.kid, existing ?? crypto.createPublicKey({ key: { kty: 'RSA', n: jwk.n!, e: jwk.e! }, format: 'jwk' }));
      } catch {
        /* skip a malformed key */
      }
    }
    this.keys = next;
    this.fetchCount++;
  }
}

/** The last 32 characters of a token (192 bits of its signature) as its cache key. */
function verifiedKey(token: string): string {
  return token.slice(-32);
}
