import { computed, reactive } from 'vue';
import type { ApiClient } from './api/client';
import { hasRole, type Role } from './permission';

/** What the app knows about the signed-in account. */
export interface SessionProfile {
  id: number;
  username: string;
  role: Role;
}

/** A sign-in answer: an access token, its lifetime, maybe a refresh token and the profile. */
export interface SessionGrant {
  token: string;
  refreshToken?: string;
  expiresIn: number;
  admin: SessionProfile;
}

export interface SessionEndpoints {
  login: string;
  refresh: string;
  logout: string;
}

/**
 * The session store. The access token lives only in memory. The refresh token travels in an
 * HttpOnly cookie when the server sets one; the JSON copy, if the server still sends it, is also
 * kept in memory only, so a page reload signs in again through the cookie or the sign-in page.
 */
export function createSession(api: ApiClient, endpoints: SessionEndpoints) {
  const state = reactive({
    token: null as string | null,
    refreshToken: null as string | null,
    profile: null as SessionProfile | null,
  });
  let refreshing: Promise<boolean> | null = null;
  // Not a secret: only remembers that a sign-in happened in this browser, so a fresh page does
  // not ask the server to refresh (and log a failed request) when there is nothing to resume.
  const HINT = 'kg.signedIn';

  const apply = (grant: SessionGrant) => {
    localStorage.setItem(HINT, '1');
    state.token = grant.token;
    state.refreshToken = grant.refreshToken ?? null;
    state.profile = grant.admin;
  };
  const clear = () => {
    localStorage.removeItem(HINT);
    state.token = null;
    state.refreshToken = null;
    state.profile = null;
  };

  async function refresh(): Promise<boolean> {
    if (!refreshing) {
      refreshing = (async () => {
        try {
          const body = state.refreshToken ? { refreshToken: state.refreshToken } : {};
          apply(await api.post<SessionGrant>(endpoints.refresh, body, { noRefresh: true }));
          return true;
        } catch {
          clear();
          return false;
        } finally {
          refreshing = null;
        }
      })();
    }
    return refreshing;
  }

  api.useTokens({ accessToken: () => state.token, refresh });

  return {
    state,
    signedIn: computed(() => state.token !== null && state.profile !== null),
    role: computed<Role | null>(() => state.profile?.role ?? null),
    /** True when the signed-in role is at least `min` (operator < admin < super_admin). */
    can: (min: Role) => hasRole(state.profile?.role ?? null, min),
    async signIn(username: string, password: string): Promise<void> {
      apply(await api.post<SessionGrant>(endpoints.login, { username, password }, { noRefresh: true }));
    },
    /** Tries to resume a session from the refresh cookie (page reload) when one may exist. */
    resume: async () => (localStorage.getItem(HINT) ? refresh() : false),
    async signOut(): Promise<void> {
      try {
        await api.post(endpoints.logout, state.refreshToken ? { refreshToken: state.refreshToken } : {}, { noRefresh: true });
      } catch {
        /* the session ends locally either way */
      }
      clear();
    },
  };
}

export type Session = ReturnType<typeof createSession>;
