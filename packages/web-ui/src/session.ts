import { computed, reactive } from 'vue';
import type { ApiClient } from './api/client';
import { hasRole, type Role } from './permission';

/** What the app knows about the signed-in account. */
export interface SessionProfile {
  id: number;
  username: string;
  role: Role;
}

/**
 * A sign-in answer: an access token, its lifetime and the profile. The answer also carries the
 * refresh token for API clients; the browser ignores it and uses the HttpOnly cookie instead.
 */
export interface SessionGrant {
  token: string;
  expiresIn: number;
  admin: SessionProfile;
}

export interface SessionEndpoints {
  login: string;
  refresh: string;
  logout: string;
}

/**
 * The session store. The access token lives only in memory. The refresh token lives only in the
 * HttpOnly cookie the server sets on sign-in and refresh (docs/security.md, "Sessions and
 * revocation": `kg_admin_refresh` on /api/admin/auth, `kg_refresh` on /api/auth); refresh and
 * sign-out send no token in the body, so the browser's cookie is the one that counts, and a page
 * reload resumes the session by refreshing through it.
 */
export function createSession(api: ApiClient, endpoints: SessionEndpoints) {
  const state = reactive({
    token: null as string | null,
    profile: null as SessionProfile | null,
  });
  let refreshing: Promise<boolean> | null = null;
  // Not a secret: only remembers that a sign-in happened in this browser, so a fresh page does
  // not ask the server to refresh (and log a failed request) when there is nothing to resume.
  const HINT = 'kg.signedIn';

  const apply = (grant: SessionGrant) => {
    localStorage.setItem(HINT, '1');
    state.token = grant.token;
    state.profile = grant.admin;
  };
  const clear = () => {
    localStorage.removeItem(HINT);
    state.token = null;
    state.profile = null;
  };

  async function refresh(): Promise<boolean> {
    if (!refreshing) {
      refreshing = (async () => {
        try {
          apply(await api.post<SessionGrant>(endpoints.refresh, {}, { noRefresh: true }));
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
        await api.post(endpoints.logout, {}, { noRefresh: true });
      } catch {
        /* the session ends locally either way */
      }
      clear();
    },
  };
}

export type Session = ReturnType<typeof createSession>;
