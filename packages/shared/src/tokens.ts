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
  /** Sign-in id: every access token of one sign-in carries it; logout ends them all. */
  sid?: string;
  iat: number;
  /** Issue moment in milliseconds, compared with the subject's "valid after" moment. */
  iatMs?: number;
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
  /** Sign-in id, kept by refresh and switch-tenant: logout ends every token of the sign-in. */
  sid?: string;
  /** Present (true) on tokens from a one-time password: only change-password, me and logout accept them. */
  mustChangePassword?: true;
  iat: number;
  /** Issue moment in milliseconds, compared with the subject's "valid after" moment. */
  iatMs?: number;
  exp: number;
  aud: string;
  iss: string;
}

