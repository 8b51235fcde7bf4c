import crypto from 'node:crypto';
import jwt, { type JwtHeader } from 'jsonwebtoken';
import {
  ADMIN_AUDIENCE,
  USER_AUDIENCE,
  AppError,
  ErrorCode,
  errors,
  revokedJtiKey,
  revokedTokensChannel,
  type AdminClaims,
  type AdminRole,
  type Redis,
  type RevokedTokenMessage,
  type UserClaims,
} from '@kg/shared';
import type { KeyStore } from '../keys/key-store';

export interface TokenSettings {
  issuer: string;
  accessTtlSeconds: number;
  redisPrefix: string;
}

/**
 * Issues and verifies RS256 access tokens. Verification checks signature (by `kid`), issuer,
 * audience, expiry and the Redis revocation list (logout revokes a `jti` until its expiry).
 */
export class TokenService {
  constructor(
    private readonly keys: KeyStore,
    private readonly redis: Redis,
    private readonly settings: TokenSettings,
  ) {}

  signAdmin(admin: { id: number; username: string; role: AdminRole }): { token: string; expiresIn: number; jti: string } {
    return this.sign({ typ: 'admin', sub: String(admin.id), username: admin.username, role: admin.role }, ADMIN_AUDIENCE);
  }

  signUser(user: { id: number; phone: string; tenant?: string; role?: string }): {
    token: string;
    expiresIn: number;
    jti: string;
  } {
    const claims: Record<string, unknown> = { typ: 'user', sub: String(user.id), phone: user.phone };
    if (user.tenant) {
      claims.tenant = user.tenant;
      claims.role = user.role;
    }
    return this.sign(claims, USER_AUDIENCE);
  }

  async verifyAdmin(token: string): Promise<AdminClaims> {
    const claims = await this.verify(token, ADMIN_AUDIENCE);
    if (claims.typ !== 'admin') throw errors.unauthorized('Not an admin token', ErrorCode.TokenInvalid);
    return claims as unknown as AdminClaims;
  }

  async verifyUser(token: string): Promise<UserClaims> {
    const claims = await this.verify(token, USER_AUDIENCE);
    if (claims.typ !== 'user') throw errors.unauthorized('Not a user token', ErrorCode.TokenInvalid);
    return claims as unknown as UserClaims;
  }

  /**
   * Revokes an access token id until `exp` (seconds since epoch): the Redis key is the record every
   * verifier consults, and the announcement makes verifiers that cached a "not revoked" answer
   * (the tenant apps) refuse the token at once.
   */
  async revokeJti(jti: string, exp: number): Promise<void> {
    const ttl = Math.max(1, exp - Math.floor(Date.now() / 1000));
    await this.redis.set(revokedJtiKey(this.settings.redisPrefix, jti), '1', 'EX', ttl);
    const message: RevokedTokenMessage = { jti, exp };
    await this.redis.publish(revokedTokensChannel(this.settings.redisPrefix), JSON.stringify(message));
  }

  private sign(claims: Record<string, unknown>, audience: string) {
    const key = this.keys.signingKey();
    const jti = crypto.randomUUID();
    const token = jwt.sign({ ...claims, jti }, key.privateKey, {
      algorithm: 'RS256',
      keyid: key.kid,
      audience,
      issuer: this.settings.issuer,
      expiresIn: this.settings.accessTtlSeconds,
    });
    return { token, expiresIn: this.settings.accessTtlSeconds, jti };
  }

  private async verify(token: string, audience: string): Promise<Record<string, unknown>> {
    let decoded: { header: JwtHeader } | null;
    try {
      decoded = jwt.decode(token, { complete: true }) as { header: JwtHeader } | null;
    } catch {
      decoded = null; // a payload that is not JSON makes the library throw: malformed, not a 500
    }
    const kid = decoded?.header?.kid;
    if (!decoded || decoded.header.alg !== 'RS256' || !kid) {
      throw errors.unauthorized('Malformed access token', ErrorCode.TokenInvalid);
    }
    const key = await this.keys.verificationKey(kid);
    if (!key) throw errors.unauthorized('Unknown signing key', ErrorCode.TokenInvalid);
    let claims: Record<string, unknown>;
    try {
      claims = jwt.verify(token, key.publicKey, {
        algorithms: ['RS256'],
        audience,
        issuer: this.settings.issuer,
      }) as Record<string, unknown>;
    } catch (err) {
      if (err instanceof jwt.TokenExpiredError) throw errors.unauthorized('Access token expired', ErrorCode.TokenExpired);
      throw new AppError(ErrorCode.TokenInvalid, 401, 'Invalid access token', { cause: err });
    }
    const jti = claims.jti;
    if (typeof jti !== 'string') throw errors.unauthorized('Access token has no id', ErrorCode.TokenInvalid);
    if (await this.redis.exists(revokedJtiKey(this.settings.redisPrefix, jti))) {
      throw errors.unauthorized('Access token was revoked', ErrorCode.TokenRevoked);
    }
    return claims;
  }
}
