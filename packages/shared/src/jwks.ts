import crypto, { type KeyObject } from 'node:crypto';
import jwt, { type JwtHeader } from 'jsonwebtoken';
import { AppError, ErrorCode, errors } from './errors';
import type { SessionRevocations } from './sessions/revocations';
import { USER_AUDIENCE, type UserClaims } from './tokens';
import { VerifiedTokens } from './verified-tokens';

/**
 * Verifies access tokens with the control plane's public keys only (docs/auth.md, "Keys and JWKS"):
 * the JWK set is fetched from `jwksUrl`, each key parsed once into a KeyObject and cached by `kid`
 * (verifying with a KeyObject is ~20x cheaper than with a PEM string). A token signed by an unknown
 * `kid` (key rotation) triggers one refetch, rate limited so forged kids cannot hammer the control
 * plane. Used by the tenant app and any other service that accepts user tokens.
 */
export interface JwksVerifierOptions {
  jwksUrl: string;
  issuer: string;
  audience?: string;
  /**
   * Ended sign-ins and "valid after" moments, in memory (docs/security.md, "Sessions and
   * revocation"); without it no token is ever refused as revoked.
   */
  revocations?: SessionRevocations;
  /** Minimum time between two fetches triggered by unknown kids. */
  minRefetchIntervalMs?: number;
  /** Keys are refreshed in the background after this age even when every kid is known. */
  maxKeyAgeMs?: number;
  fetchTimeoutMs?: number;
  /** Allowed clock skew for exp/nbf. */
  clockToleranceSeconds?: number;
  fetchImpl?: typeof fetch;
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
  /** Tokens whose signature was already verified (verified-tokens.ts). */
  private readonly verified: VerifiedTokens<UserClaims>;
  private fetchedAt = 0;
  private inflight?: Promise<void>;
  /** Number of successful JWKS downloads (observable in tests and metrics). */
  fetchCount = 0;
  private readonly opts: Required<Omit<JwksVerifierOptions, 'revocations' | 'fetchImpl'>> &
    Pick<JwksVerifierOptions, 'revocations' | 'fetchImpl'>;

  constructor(options: JwksVerifierOptions) {
    this.opts = {
      audience: USER_AUDIENCE,
      minRefetchIntervalMs: 5_000,
      maxKeyAgeMs: 10 * 60_000,
      fetchTimeoutMs: 3_000,
      clockToleranceSeconds: 5,
      verifiedCacheSize: 10_000,
      ...options,
    };
    this.verified = new VerifiedTokens(this.opts.verifiedCacheSize);
  }

  /** Downloads the key set now (start-up warm-up; errors propagate). */
  async refresh(): Promise<void> {
    if (this.inflight) return this.inflight;
    this.inflight = this.download().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  /** Known key ids (for diagnostics). */
  kids(): string[] {
    return [...this.keys.keys()];
  }

  /**
   * Verifies a global-user access token: RS256 signature by a published key, issuer, audience,
   * expiry, and that neither its sign-in nor its issue moment was revoked. Throws 401 AppErrors
   * with TOKEN_* codes.
   */
  async verifyUser(token: string): Promise<UserClaims> {
    const claims = this.remembered(token) ?? (await this.verifySignature(token));
    this.checkExpiry(token, claims);
    this.opts.revocations?.check(claims);
    return claims;
  }

  /**
   * verifyUser() without waiting: the claims when this token was verified before (revocation is
   * always decided from memory); undefined when verifyUser() must run (first sight of the token).
   * Throws as verifyUser() does for an expired or revoked token.
   */
  peekUser(token: string): UserClaims | undefined {
    const claims = this.remembered(token);
    if (!claims) return undefined;
    this.checkExpiry(token, claims);
    this.opts.revocations?.check(claims);
    return claims;
  }

  private remembered(token: string): UserClaims | undefined {
    return this.verified.get(token)?.claims;
  }

  private checkExpiry(token: string, claims: UserClaims): void {
    if (claims.exp * 1000 + this.opts.clockToleranceSeconds * 1000 < Date.now()) {
      this.verified.forget(token);
      throw errors.unauthorized('Access token expired', ErrorCode.TokenExpired);
    }
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
    this.verified.remember(token, user, undefined);
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
    // No key set was ever loaded (the control plane was unreachable at start-up and the refetch
    // interval holds): the token may well be valid, so the answer is "try again", not "signed out".
    if (this.keys.size === 0) throw errors.unavailable('The signing keys of the control plane are not loaded yet');
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
