import { ApiClient, createSession } from '@kg/web-ui';

/** The console's one API client and session (access token in memory only). */
export const api = new ApiClient();
export const session = createSession(api, {
  login: '/api/admin/auth/login',
  refresh: '/api/admin/auth/refresh',
  logout: '/api/admin/auth/logout',
});
