import crypto from 'node:crypto';
import jwt, { type JwtHeader } from 'jsonwebtoken';
import {
  ADMIN_AUDIENCE,
  USER_AUDIENCE,
  AppError,
  ErrorCode,
  errors,
  type AdminClaims,
  type AdminRole,
  type SessionRevocations,
  type UserClaims,
  VerifiedTokens,
} from '@kg/shared';
import type { KeyStore, VerificationKey } from '../keys/key-store';

export interface TokenSettings {
  issuer: string;
  accessTtlSeconds: number;
}

/** What a signed token is: the token, its lifetime and its id. */
export interface SignedToken {
  token: string;
  expiresIn: number;
  jti: string;
}

/**
 * Issues and verifies RS256 access tokens. Every token carries its sign-in id (`sid`) and its
 * issue moment in milliseconds (`iatMs`); verification checks signature (by `kid`), issuer,
 * audience, expiry and the in-memory revocation state (docs/security.md, "Sessions and revocation").
 * `sessionId` is omitted only by test fixtures: such a token is its own sign-in (its jti).
 */
export class TokenService {
  /**
   * Tokens verified before, per audience, with the key that verified them: a repeat request skips
   * the RSA check (shared verified-tokens.ts). A hit counts only while that key is still loaded
   * under its kid, so a retired key's tokens are checked again (and refused).
   */
  private readonly verified = new Map<string, VerifiedTokens<Record<string, unknown>, { kid: string; key: VerificationKey }>>([
    [ADMIN_AUDIENCE, new VerifiedTokens()],
    [USER_AUDIENCE, new VerifiedTokens()],
  ]);

  constructor(
    private readonly keys: KeyStore,
    private readonly revocations: SessionRevocations,
    private readonly settings: TokenSettings,
  ) {}

  signAdmin(admin: { id: number; username: string; role: AdminRole; sessionId?: string }): SignedToken {
    return this.sign({ typ: 'admin', sub: String(admin.id), username: admin.username, role: admin.role }, ADMIN_AUDIENCE, admin.sessionId);
  }

  signUser(user: {
    id: number;
    phone: string;
    tenant?: string;
    role?: string;
    sessionId?: string;
    /** The user signed in with a one-time password: the token only serves change-password, me and logout. */
    mustChangePassword?: boolean;
  }): SignedToken {
    const claims: Record<string, unknown> = { typ: 'user', sub: String(user.id), phone: user.phone };
    if (user.tenant) {
      claims.tenant = user.tenant;
      claims.role = user.role;
    }
    if (user.mustChangePassword) claims.mustChangePassword = true;
    return this.sign(claims, USER_AUDIENCE, user.sessionId);
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

  private sign(claims: Record<string, unknown>, audience: string, sessionId: string | undefined): SignedToken {
    const key = this.keys.signingKey();
    const jti = crypto.randomUUID();
    const iatMs = Date.now();
    const payload = { ...claims, jti, ...(sessionId ? { sid: sessionId } : {}), iat: Math.floor(iatMs / 1000), iatMs };
    const token = jwt.sign(payload, key.privateKey, {
      algorithm: 'RS256',
      keyid: key.kid,
      audience,
      issuer: this.settings.issuer,
      expiresIn: this.settings.accessTtlSeconds,
    });
    return { token, expiresIn: this.settings.accessTtlSeconds, jti };
  }

  private async verify(token: string, audience: string): Promise<Record<string, unknown>> {
    const cache = this.verified.get(audience)!;
    const hit = cache.get(token);
    if (hit && this.keys.loadedKey(hit.key.kid) === hit.key.key) {
      if (Date.now() / 1000 >= (hit.claims.exp as number)) {
        cache.forget(token);
        throw errors.unauthorized('Access token expired', ErrorCode.TokenExpired);
      }
      this.revocations.check(hit.claims as unknown as AdminClaims | UserClaims);
      return hit.claims;
    }
    const claims = await this.verifySignature(token, audience);
    this.revocations.check(claims as unknown as AdminClaims | UserClaims);
    return claims;
  }

  /** Signature by a known key, issuer, audience, expiry; the claims are remembered until they expire. */
  private async verifySignature(token: string, audience: string): Promise<Record<string, unknown>> {
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
    if (typeof claims.jti !== 'string') throw errors.unauthorized('Access token has no id', ErrorCode.TokenInvalid);
    if (typeof claims.exp === 'number') this.verified.get(audience)!.remember(token, claims, { kid, key });
    return claims;
  }
}
