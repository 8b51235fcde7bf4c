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

/** Roles that may read but not write the tenant's files. */
export const READ_ONLY_ROLES: ReadonlySet<string> = new Set(['viewer']);

/** What a user may do with a tenant's files right now. */
export type StorageVerdict =
  | { ok: true; prefix: string; readOnly: boolean }
  | { ok: false; reason: 'tenant_not_active' | 'not_bound' | 'account_not_active' };

interface Entry {
  verdict: StorageVerdict;
  loadedAtMs: number;
}

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
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<StorageVerdict>>();
  /** Moves on every drop, so a load that raced with an announcement is not kept. */
  private epoch = 0;
  /** Announcements received (diagnostics and tests). */
  messages = 0;

  constructor(
    private readonly db: Pool,
    private readonly ttlMs: number,
    private readonly maxEntries = 50_000,
  ) {}

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
    const key = `${tenantCode}|${globalUserId}`;
    const entry = this.entries.get(key);
    if (entry && Date.now() - entry.loadedAtMs < this.ttlMs) return entry.verdict;
    let pending = this.loading.get(key);
    if (!pending) {
      pending = this.load(key, tenantCode, globalUserId).finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
    }
    return pending;
  }

  /** Drops the answers of one tenant (of one user in it, when given); '*' drops every answer. */
  drop(tenantCode: string, globalUserId?: string): void {
    this.epoch++;
    // Loads under way may have read the state from before the change: later callers start anew.
    this.loading.clear();
    if (tenantCode === '*') {
      this.entries.clear();
      return;
    }
    if (globalUserId !== undefined) {
      this.entries.delete(`${tenantCode}|${globalUserId}`);
      return;
    }
    const prefix = `${tenantCode}|`;
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key);
  }

  private async load(key: string, tenantCode: string, globalUserId: string): Promise<StorageVerdict> {
    for (let attempt = 0; ; attempt++) {
      const epoch = this.epoch;
      const verdict = await readVerdict(this.db, tenantCode, globalUserId);
      if (epoch === this.epoch) {
        if (this.entries.size >= this.maxEntries) this.entries.clear();
        this.entries.set(key, { verdict, loadedAtMs: Date.now() });
        return verdict;
      }
      // Something was announced while reading: read again, so the answer is not older than it.
      if (attempt >= 2) return verdict;
    }
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
