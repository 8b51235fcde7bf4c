import { RefreshingCache } from '../../internal/refreshing-cache';
import { ErrorCode, errors, type Pool } from '@kg/shared';
import type { TenantDb } from '../../internal/db/tenant-db';
import type { TenantRegistry } from '../tenancy/tenant.registry';
import { findActiveBinding, findTenantUser, type TenantUser } from './access.repository';

type Cached = { user: TenantUser | null };

/**
 * Decides who may act inside a tenant (SPEC §7, seed 004 §3.3): the token's global user must have
 * an active relation to the tenant in the control database AND an active row in the tenant's own
 * `users` table; their permissions come from the tenant's roles, permissions, user_roles and
 * role_permissions. Both answers are cached per tenant and user for `ttlMs`, refreshed ahead of use
 * (and dropped when the tenant's status changes), so a steady stream of requests costs no database round trip.
 */
export class AccessService {
  private readonly bindings: RefreshingCache<{ bound: boolean }>;
  private readonly users: RefreshingCache<Cached, TenantDb>;
  private readonly noCache: boolean;

  constructor(
    private readonly controlDb: Pool,
    ttlMs: number,
    registry: TenantRegistry,
    maxEntries = 50_000,
  ) {
    const ttl = Math.max(1, ttlMs);
    this.bindings = new RefreshingCache({
      max: maxEntries,
      ttlMs: ttl,
      load: async (key) => {
        const [tenant, uid] = key.split('|') as [string, string];
        return { bound: await findActiveBinding(this.controlDb, tenant, uid) };
      },
    });
    this.users = new RefreshingCache<Cached, TenantDb>({
      max: maxEntries,
      ttlMs: ttl,
      load: async (key, db) => ({ user: await findTenantUser(db, key.split('|')[1]!) }),
    });
    registry.onInvalidate((code) => this.invalidateTenant(code));
    this.noCache = ttlMs === 0;
  }

  /**
   * The user inside the tenant, or a 403 when they are not bound to it, have no tenant-local
   * account, or that account is not active.
   */
  async authorize(db: TenantDb, globalUserId: string): Promise<TenantUser> {
    const key = `${db.tenantCode}|${globalUserId}`;
    if (this.noCache) {
      this.bindings.delete(key);
      this.users.delete(key);
    }
    let binding = this.bindings.peek(key, undefined);
    let cached = this.users.peek(key, db);
    if (!binding || !cached) {
      [binding, cached] = await Promise.all([binding ?? this.bindings.get(key, undefined), cached ?? this.users.get(key, db)]);
    }
    if (!binding?.bound) throw errors.forbidden('You are not a member of this kindergarten', ErrorCode.NotBoundToTenant);
    const user = cached?.user;
    if (!user) throw errors.forbidden('You have no account in this kindergarten', ErrorCode.NotBoundToTenant);
    if (user.status !== 'active') throw errors.forbidden('Your account in this kindergarten is not active', ErrorCode.AccountDisabled);
    return user;
  }

  /** Drops cached answers of one tenant ('*' for all). */
  invalidateTenant(code: string): void {
    if (code === '*') {
      this.bindings.clear();
      this.users.clear();
      return;
    }
    const prefix = `${code}|`;
    for (const k of this.bindings.keys()) if (k.startsWith(prefix)) this.bindings.delete(k);
    for (const k of this.users.keys()) if (k.startsWith(prefix)) this.users.delete(k);
  }

  /** Drops one user's cached answers in a tenant (after their roles change). */
  invalidateUser(code: string, globalUserId: string | number): void {
    const key = `${code}|${globalUserId}`;
    this.bindings.delete(key);
    this.users.delete(key);
  }
}
