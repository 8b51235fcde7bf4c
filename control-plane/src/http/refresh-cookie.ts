import type { CookieOptions, Request, Response } from 'express';

/**
 * The refresh token for browsers (docs/security.md, "Sessions and revocation"): an HttpOnly,
 * SameSite=Strict cookie (Secure when the request came over HTTPS) sent only to the auth routes
 * that read it, so a web app never holds the refresh token in JavaScript. The JSON fields stay for
 * API clients; a refresh token in the body wins over the cookie.
 */
export interface RefreshCookie {
  name: string;
  path: string;
}

export const USER_REFRESH_COOKIE: RefreshCookie = { name: 'kg_refresh', path: '/api/auth' };
export const ADMIN_REFRESH_COOKIE: RefreshCookie = { name: 'kg_admin_refresh', path: '/api/admin/auth' };

function options(req: Request, cookie: RefreshCookie): CookieOptions {
  // req.secure follows TRUST_PROXY: behind a TLS-terminating proxy it reads X-Forwarded-Proto.
  return { httpOnly: true, sameSite: 'strict', secure: req.secure, path: cookie.path };
}

/** Sets the cookie to a freshly issued refresh token, for as long as the token lives. */
export function setRefreshCookie(req: Request, res: Response, cookie: RefreshCookie, refreshToken: string, ttlSeconds: number): void {
  res.cookie(cookie.name, refreshToken, { ...options(req, cookie), maxAge: ttlSeconds * 1000 });
}

/** The refresh token the browser sent in the cookie, if any. */
export function readRefreshCookie(req: Request, cookie: RefreshCookie): string | undefined {
  const value = (req.cookies as Record<string, unknown> | undefined)?.[cookie.name];
  return typeof value === 'string' && value.length > 0 && value.length <= 200 ? value : undefined;
}

/** Removes the cookie (sign-out). */
export function clearRefreshCookie(req: Request, res: Response, cookie: RefreshCookie): void {
  res.clearCookie(cookie.name, options(req, cookie));
}
