import crypto from 'node:crypto';
import type { StsCredentials, StsProvider } from './types';

export interface LocalStsSettings {
  signingSecret: string;
  /** Where the local storage endpoints live, e.g. http://localhost:4001/api/storage. */
  endpoint: string;
  /** Reported as the bucket name so clients written for OSS have something to show. */
  bucket?: string;
}

/** What a verified local security token grants. */
export interface LocalStsClaims {
  accessKeyId: string;
  tenantCode: string;
  userId: string;
  allowedPrefix: string;
  readOnly: boolean;
  /** The sign-in the credentials were issued under, when known. */
  sessionId?: string;
  /** Issue moment in milliseconds, compared with the user's "valid after" moment. */
  issuedAtMs: number;
  expiresAt: Date;
}

export type LocalStsCheck = { ok: true; claims: LocalStsClaims } | { ok: false; reason: 'invalid' | 'expired' };

const TOKEN_VERSION = 'kgsts1';

interface TokenPayload {
  akid: string;
  tenant: string;
  user: string;
  prefix: string;
  ro: boolean;
  /** Sign-in id, when the credentials were requested with a token that has one. */
  sid?: string;
  /** Issue moment, milliseconds since the epoch. */
  iat: number;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

function hmac(secret: string, label: string, value: string): string {
  return crypto.createHmac('sha256', secret).update(`${label}\n${value}`).digest('base64url');
}

/**
 * Temporary storage credentials without a cloud account (docs/control-plane.md,
 * "Providers"): the security token is an
 * HMAC-signed statement of the prefix, the mode and the expiry, checked by the control plane's
 * local storage endpoints with {@link verifyLocalStsCredentials}. Nothing is stored server-side;
 * the endpoints also check every request against the tenant's and the user's current state
 * (docs/privileges.md, Storage credentials), which is what makes them revocable.
 */
export class LocalStsProvider implements StsProvider {
  readonly name = 'local';
  readonly revocable = true;
  readonly minDurationSeconds = 1;

  constructor(private readonly settings: LocalStsSettings) {}

  async issue(input: {
    tenantCode: string;
    userId: string;
    sessionId?: string;
    prefix: string;
    readOnly: boolean;
    durationSeconds: number;
  }): Promise<StsCredentials> {
    const accessKeyId = `KGLOCAL${crypto.randomBytes(8).toString('hex').toUpperCase()}`;
    const iat = Date.now();
    const exp = Math.floor(iat / 1000) + Math.max(1, Math.floor(input.durationSeconds));
    const payload: TokenPayload = {
      akid: accessKeyId,
      tenant: input.tenantCode,
      user: input.userId,
      prefix: input.prefix,
      ro: input.readOnly,
      ...(input.sessionId ? { sid: input.sessionId } : {}),
      iat,
      exp,
    };
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    const securityToken = `${TOKEN_VERSION}.${body}.${hmac(this.settings.signingSecret, 'sts-token', body)}`;
    return {
      accessKeyId,
      // Derived, not stored: a client may use it to sign requests; the server can re-derive it.
      accessKeySecret: hmac(this.settings.signingSecret, 'sts-secret', accessKeyId),
      securityToken,
      expiration: new Date(exp * 1000).toISOString(),
      bucket: this.settings.bucket ?? 'local',
      endpoint: this.settings.endpoint,
      allowedPrefix: input.prefix,
      readOnly: input.readOnly,
    };
  }
}

/**
 * Verifies local STS credentials: the token's signature, that it was issued with this access key
 * id, and its expiry. A token signed under another secret, or edited, reads as 'invalid'.
 */
export function verifyLocalStsCredentials(
  signingSecret: string,
  input: { accessKeyId?: string; securityToken?: string },
  now: Date = new Date(),
): LocalStsCheck {
  const { accessKeyId, securityToken } = input;
  if (!accessKeyId || !securityToken) return { ok: false, reason: 'invalid' };
  const parts = securityToken.split('.');
  if (parts.length !== 3 || parts[0] !== TOKEN_VERSION) return { ok: false, reason: 'invalid' };
  const expected = Buffer.from(hmac(signingSecret, 'sts-token', parts[1]));
  const given = Buffer.from(parts[2]);
  if (expected.length !== given.length || !crypto.timingSafeEqual(expected, given)) return { ok: false, reason: 'invalid' };
  let payload: TokenPayload;
  try {
    payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as TokenPayload;
  } catch {
    return { ok: false, reason: 'invalid' };
  }
  // Tokens without an issue moment predate per-request revocation checks: not accepted.
  if (payload.akid !== accessKeyId || typeof payload.prefix !== 'string' || !payload.prefix || !Number.isFinite(payload.iat)) {
    return { ok: false, reason: 'invalid' };
  }
  if (payload.exp * 1000 <= now.getTime()) return { ok: false, reason: 'expired' };
  return {
    ok: true,
    claims: {
      accessKeyId: payload.akid,
      tenantCode: payload.tenant,
      userId: payload.user,
      allowedPrefix: payload.prefix,
      readOnly: payload.ro === true,
      ...(typeof payload.sid === 'string' ? { sessionId: payload.sid } : {}),
      issuedAtMs: payload.iat,
      expiresAt: new Date(payload.exp * 1000),
    },
  };
}
