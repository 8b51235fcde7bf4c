import { RefreshingCache } from '../../internal/refreshing-cache';
import { ErrorCode, errors, subscribeJson, tenantAccessChannel, type Pool, type Redis, type TenantAccessMessage } from '@kg/shared';
import type { TenantDb } from '../../internal/db/tenant-db';
import type { TenantRegistry } from '../tenancy/tenant.registry';
import { findActiveBinding, findTenantUser, type TenantUser } from './access.repository';

/** Both answers for one tenant and user, cached together (one lookup per request). */
type Cached = { bound: boolean; user: TenantUser | null };

/**
 * Decides who may act inside a tenant (docs/request-path.md, Access and permissions): the
 * token's global user must have an active relation to the tenant in the control database AND an
 * active row in the tenant's own `users` table; their permissions come from the tenant's roles,
 * permissions, user_roles and role_permissions. Both answers are cached per tenant and user, so a
 * steady stream of requests costs no database round trip. A cached answer is dropped as soon as
 * the control plane announces a change of the user's binding (`listen()`) or the tenant's status
 * changes (the registry), and after a reconnect of the subscription (the registry drops
 * everything); `ttlMs` is only the safety net for changes made behind the control plane's back
 * (SQL by hand), refreshed ahead of use.
 */
export class AccessService {
  private readonly cache: RefreshingCache<Cached, TenantDb>;
  private readonly noCache: boolean;

  constructor(
    private readonly controlDb: Pool,
    ttlMs: number,
    registry: TenantRegistry,
    maxEntries = 50_000,
  ) {
    this.cache = new RefreshingCache<Cached, TenantDb>({
      max: maxEntries,
      ttlMs: Math.max(1, ttlMs),
      load: async (key, db) => {
        const globalUserId = key.slice(key.indexOf('|') + 1);
        const [bound, user] = await Promise.all([
          findActiveBinding(this.controlDb, db.tenantCode, globalUserId),
          findTenantUser(db, globalUserId),
        ]);
        return { bound, user };
      },
    });
    registry.onInvalidate((tenantCode) => this.invalidateTenant(tenantCode));
    this.noCache = ttlMs === 0;
  }

  /**
   * The user inside the tenant, or a 403 when they are not bound to it, have no tenant-local
   * account, or that account is not active.
   */
  async authorize(db: TenantDb, globalUserId: string): Promise<TenantUser> {
    const key = `${db.tenantCode}|${globalUserId}`;
    if (this.noCache) this.cache.delete(key);
    return decide(this.cache.peek(key, db) ?? (await this.cache.get(key, db)));
  }

  /**
   * authorize() without waiting: the decision when it can be made from the cache (the user, or
   * a thrown 403), undefined when the databases must be asked first.
   */
  peek(db: TenantDb, globalUserId: string): TenantUser | undefined {
    if (this.noCache) return undefined;
    const cached = this.cache.peek(`${db.tenantCode}|${globalUserId}`, db);
    return cached && decide(cached);
  }

  /** Access change announcements received (diagnostics and tests). */
  messages = 0;

  /**
   * Drops cached answers when the control plane announces an access change (a user bound,
   * re-bound or unbound). Shares the registry's subscriber connection, whose reconnect already
   * drops every cached answer (TenantRegistry.subscribe -> onInvalidate('*')).
   */
  async listen(subscriber: Redis, redisKeyPrefix: string): Promise<void> {
    await subscribeJson<TenantAccessMessage>(subscriber, tenantAccessChannel(redisKeyPrefix), {
      message: (msg) => {
        this.messages++;
        if (msg && typeof msg.tenantCode === 'string') {
          if (typeof msg.globalUserId === 'string') this.invalidateUser(msg.tenantCode, msg.globalUserId);
          else this.invalidateTenant(msg.tenantCode);
        } else {
          this.invalidateTenant('*');
        }
      },
    });
  }

  /** Drops cached answers of one tenant ('*' for all). */
  invalidateTenant(tenantCode: string): void {
    if (tenantCode === '*') {
      this.cache.clear();
      return;
    }
    const prefix = `${tenantCode}|`;
    for (const k of this.cache.keys()) if (k.startsWith(prefix)) this.cache.delete(k);
  }

  /**
   * Drops one user's cached answers in a tenant (after their roles change) in this process only.
   * Anything that changes a user's binding, roles or tenant-local status must also announce it
   * with publishTenantAccessChange() (as the control plane's binding does), or other instances
   * keep their answer until ACCESS_CACHE_TTL_MS.
   */
  invalidateUser(tenantCode: string, globalUserId: string | number): void {
    this.cache.delete(`${tenantCode}|${globalUserId}`);
  }
}

function decide(cached: Cached): TenantUser {
  if (!cached.bound) throw errors.forbidden('You are not a member of this kindergarten', ErrorCode.NotBoundToTenant);
  const user = cached.user;
  if (!user) throw errors.forbidden('You have no account in this kindergarten', ErrorCode.NotBoundToTenant);
  if (user.status !== 'active') throw errors.forbidden('Your account in this kindergarten is not active', ErrorCode.AccountDisabled);
  return user;
}
