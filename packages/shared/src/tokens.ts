/**
 * Access-token claims shared by the control plane (which signs) and the tenant app and AI
 * bridge (which verify with the public key only). Admin and user tokens carry different
 * audiences so neither is accepted where the other belongs (docs/auth.md,
 * "Admin and user tokens").
 */
export const ADMIN_AUDIENCE = 'kg-admin';
export const USER_AUDIENCE = 'kg-user';

export type AdminRole = 'super_admin' | 'admin' | 'operator';

export interface AdminClaims {
  typ: 'admin';
  sub: string;
  username: string;
  role: AdminRole;
  jti: string;
  iat: number;
  exp: number;
  aud: string;
  iss: string;
}

export interface UserClaims {
  typ: 'user';
  sub: string;
  phone: string;
  /** Present on tenant-scoped tokens from POST /api/auth/switch-tenant. */
  tenant?: string;
  role?: string;
  jti: string;
  iat: number;
  exp: number;
  aud: string;
  iss: string;
}

/** Redis key (after the deployment prefix) marking a revoked access token id. */
export function revokedJtiKey(prefix: string, jti: string): string {
  return `${prefix}revoked-jti:${jti}`;
}
