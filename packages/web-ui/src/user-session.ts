import { computed, reactive } from 'vue';
import type { ApiClient } from './api/client';

/** A kindergarten the user belongs to (POST /api/auth/login, GET /api/auth/tenants). */
export interface UserTenant {
  tenantCode: string;
  tenantName: string;
  domain: string;
  role: string;
  status: string;
}

/** The user inside the current kindergarten (the tenant app's GET /api/me). */
export interface TenantProfile {
  tenantCode: string;
  tenantName: string;
  globalUserId: number;
  userId: number;
  phone: string;
  realName: string;
  roles: string[];
  permissions: string[];
}

interface Grant {
  token: string;
  mustChangePassword?: boolean;
  tenants?: UserTenant[];
}

/**
 * The staff app's session (docs/staff-app.md, "Sign-in on the subdomain"): phone sign-in through
 * the tenant app's relay of /api/auth/*, the access token in memory only, the refresh token in the
 * HttpOnly `kg_refresh` cookie of the tenant's own host. After sign-in the token is scoped to the
 * host's kindergarten (switch-tenant), so the session belongs to this subdomain; `profile` is the
 * user inside it with their permissions, which menus and buttons follow.
 */
export function createUserSession(api: ApiClient) {
  const state = reactive({
    token: null as string | null,
    /** The phone signed in with on this page (to sign in again after a password change). */
    phone: '',
    mustChangePassword: false,
    tenants: [] as UserTenant[],
    profile: null as TenantProfile | null,
  });
  const permissions = computed(() => new Set(state.profile?.permissions ?? []));
  let refreshing: Promise<boolean> | null = null;
  const HINT = 'kg.staff.signedIn';

  const apply = (grant: Grant) => {
    localStorage.setItem(HINT, '1');
    state.token = grant.token;
    state.mustChangePassword = grant.mustChangePassword === true;
    if (grant.tenants) state.tenants = grant.tenants;
  };
  const clear = () => {
    localStorage.removeItem(HINT);
    state.token = null;
    state.mustChangePassword = false;
    state.profile = null;
    state.tenants = [];
  };

  async function refresh(): Promise<boolean> {
    if (!refreshing) {
      refreshing = (async () => {
        try {
          apply(await api.post<Grant>('/api/auth/refresh', {}, { noRefresh: true }));
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
    signedIn: computed(() => state.token !== null),
    /** True when the user holds the permission `<resource>:<action>` in this kindergarten. */
    can: (permission: string) => permissions.value.has(permission),
    async signIn(phone: string, password: string): Promise<void> {
      apply(await api.post<Grant>('/api/auth/login', { phone, password }, { noRefresh: true }));
      state.phone = phone;
    },
    /** Scopes the session to a kindergarten the user belongs to (the host's). */
    async enter(tenantCode: string): Promise<void> {
      apply(await api.post<Grant>('/api/auth/switch-tenant', { tenantCode }));
      await this.loadProfile();
    },
    async loadProfile(): Promise<TenantProfile> {
      state.profile = await api.get<TenantProfile>('/api/me');
      return state.profile;
    },
    async loadTenants(): Promise<UserTenant[]> {
      state.tenants = await api.get<UserTenant[]>('/api/auth/tenants');
      return state.tenants;
    },
    /** A one-time code that carries this sign-in to another kindergarten's subdomain. */
    handoff: (tenantCode: string) => api.post<{ code: string }>('/api/auth/handoff', { tenantCode }),
    async redeem(code: string): Promise<void> {
      apply(await api.post<Grant>('/api/auth/handoff/redeem', { code }, { noRefresh: true }));
      await this.loadProfile();
    },
    async changePassword(currentPassword: string, newPassword: string): Promise<void> {
      await api.post('/api/auth/change-password', { currentPassword, newPassword }, { noRefresh: true });
      clear(); // every session ended, this one included: sign in again with the new password
    },
    resume: async () => (localStorage.getItem(HINT) ? refresh() : false),
    async signOut(): Promise<void> {
      try {
        await api.post('/api/auth/logout', {}, { noRefresh: true });
      } catch {
        /* the session ends locally either way */
      }
      clear();
    },
    /** Ends the session locally (the server refused it: disabled, removed). */
    drop: clear,
  };
}

export type UserSession = ReturnType<typeof createUserSession>;
