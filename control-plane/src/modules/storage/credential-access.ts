import {
  subscribeJson,
  tenantAccessChannel,
  tenantStatusChannel,
  type Pool,
  type Redis,
  type TenantAccessMessage,
  type TenantStatusMessage,
} from '@kg/shared';
import { findGlobalUserById } from '../auth/global-user.repository';
import { findBinding } from '../auth/tenant-binding.repository';
import { findTenant } from '../tenants/tenant.repository';
import { DroppableCache } from '../../internal/droppable-cache';

/** Roles that may read but not write the tenant's files. */
export const READ_ONLY_ROLES: ReadonlySet<string> = new Set(['viewer']);

/** What a user may do with a tenant's files right now. */
export type StorageVerdict =
  | { ok: true; prefix: string; readOnly: boolean }
  | { ok: false; reason: 'tenant_not_active' | 'not_bound' | 'account_not_active' };

/**
 * Whether local storage credentials may still be used (docs/privileges.md, Storage credentials):
 * the tenant is active, the user's binding to it is active and the user's account is active.
 * The answer per tenant and user is read from the control database once and kept in memory, so a
 * steady stream of storage requests costs no round trip; it is dropped the moment the tenant's
 * status or the user's binding is announced as changed (the tenant-status and tenant-access
 * channels, which the control plane and the provisioner publish after committing), and every
 * answer is dropped when the subscription reconnects (announcements may have been missed).
 * `ttlMs` is only the safety net for changes made behind the control plane's back.
 */
export class StorageAccess {
  /** By `<tenantCode>|<globalUserId>|`; a load that raced with an announcement is read again. */
  private readonly verdicts: DroppableCache<StorageVerdict>;
  /** Announcements received (diagnostics and tests). */
  messages = 0;

  constructor(
    private readonly db: Pool,
    ttlMs: number,
    maxEntries = 50_000,
  ) {
    this.verdicts = new DroppableCache(ttlMs, { maxEntries, rereads: 2 });
  }

  /** Subscribes to the tenant-status and tenant-access announcements on `subscriber`. */
  async listen(subscriber: Redis, redisKeyPrefix: string): Promise<void> {
    const dropAll = () => this.drop('*');
    await Promise.all([
      subscribeJson<TenantStatusMessage>(subscriber, tenantStatusChannel(redisKeyPrefix), {
        message: (msg) => {
          this.messages++;
          this.drop(typeof msg?.tenantCode === 'string' ? msg.tenantCode : '*');
        },
        reconnected: dropAll,
      }),
      subscribeJson<TenantAccessMessage>(subscriber, tenantAccessChannel(redisKeyPrefix), {
        message: (msg) => {
          this.messages++;
          if (typeof msg?.tenantCode !== 'string') this.drop('*');
          else this.drop(msg.tenantCode, typeof msg.globalUserId === 'string' ? msg.globalUserId : undefined);
        },
      }),
    ]);
  }

  /** The verdict for one tenant and global user: from memory when known, else read once. */
  verdict(tenantCode: string, globalUserId: string): StorageVerdict | Promise<StorageVerdict> {
    const key = `${tenantCode}|${globalUserId}|`;
    return this.verdicts.peek(key) ?? this.verdicts.get(key, () => readVerdict(this.db, tenantCode, globalUserId));
  }

  /** Drops the answers of one tenant (of one user in it, when given); '*' drops every answer. */
  drop(tenantCode: string, globalUserId?: string): void {
    if (tenantCode === '*') return this.verdicts.drop();
    this.verdicts.drop(globalUserId !== undefined ? `${tenantCode}|${globalUserId}|` : `${tenantCode}|`);
  }
}

async function readVerdict(db: Pool, tenantCode: string, globalUserId: string): Promise<StorageVerdict> {
  const userId = Number(globalUserId);
  if (!Number.isSafeInteger(userId)) return { ok: false, reason: 'not_bound' };
  const [binding, tenant, user] = await Promise.all([
    findBinding(db, userId, tenantCode),
    findTenant(db, tenantCode),
    findGlobalUserById(db, userId),
  ]);
  if (!tenant || tenant.status !== 'active' || !tenant.storagePrefix) return { ok: false, reason: 'tenant_not_active' };
  if (!binding || binding.status !== 'active') return { ok: false, reason: 'not_bound' };
  if (!user || user.status !== 'active') return { ok: false, reason: 'account_not_active' };
  return { ok: true, prefix: tenant.storagePrefix, readOnly: READ_ONLY_ROLES.has(binding.role) };
}
