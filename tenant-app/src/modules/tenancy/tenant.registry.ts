import {
  assertDbName,
  resolveSecret,
  subscribeJson,
  tenantStatusChannel,
  type DbLogin,
  type Logger,
  type MysqlTarget,
  type Pool,
  type Redis,
  type RowDataPacket,
  type SecretBox,
  type TenantStatusMessage,
} from '@kg/shared';
import { dbServer, type DbServer } from '../../internal/db/connection-budget';
import { RefreshingCache } from '../../internal/refreshing-cache';

export type TenantStatus = 'provisioning' | 'active' | 'inactive' | 'suspended' | 'failed' | 'deleted' | 'purged';

/** What the tenant app needs to know about a tenant, read from the control database. */
export interface TenantRecord {
  /** The tenant code (tenants.tenant_id), e.g. "k001". */
  tenantCode: string;
  name: string;
  status: TenantStatus;
  /** Validated database identifier (tenants.database_name): the tenant app never derives it. */
  databaseName: string;
  /** The server the database lives on (tenants.db_server_id, else the control database's server). */
  server: DbServer;
  /** Storage prefix of the tenant (tenants.oss_prefix), e.g. "13800138000/". */
  storagePrefix: string | null;
  /**
   * The tenant database's own MySQL account (tenants.db_user, password opened once per load), or
   * null when the tenant has none yet: such a tenant is not served (docs/privileges.md).
   */
  login: DbLogin | null;
}

type Entry = { found: true; tenant: TenantRecord } | { found: false };

export interface TenantRegistryOptions {
  controlDb: Pool;
  /** Server of tenants whose row names none (the control database's own server). */
  defaultServer: MysqlTarget;
  ttlMs: number;
  logger: Logger;
  /** Opens the sealed passwords of tenant database accounts (MASTER_KEY). */
  secrets: SecretBox;
  maxEntries?: number;
}

/**
 * The tenant registry as seen by this process, and the only module of the tenant app that reads
 * the control database's `tenants` table (docs/data-ownership.md, Tenant app): rows are mapped
 * to TenantRecord here, once, and cached in an LRU with a short TTL. The control plane announces
 * every status change on the Redis channel `tenantStatusChannel`; `subscribe()` listens and drops
 * the tenant's entry so the next request reads the new status (a suspension is refused within
 * milliseconds, with no restart). The TTL is the safety net for a missed message; after a Redis
 * reconnect the whole cache is dropped because messages may have been lost meanwhile
 * (docs/request-path.md, Tenant resolution).
 */
export class TenantRegistry {
  private readonly cache: RefreshingCache<Entry>;
  private readonly listeners: Array<(tenantCode: string) => void> = [];
  private subscriber?: Redis;
  /** Status messages received (diagnostics and tests). */
  messages = 0;

  constructor(private readonly opts: TenantRegistryOptions) {
    // Concurrent misses for one tenant share a single control-DB read; entries are refreshed
    // ahead of use so a busy tenant never waits for the control DB.
    this.cache = new RefreshingCache<Entry>({ max: opts.maxEntries ?? 10_000, ttlMs: opts.ttlMs, load: (tenantCode) => this.load(tenantCode) });
  }

  /** The tenant with this code, or null when it does not exist. */
  async get(tenantCode: string): Promise<TenantRecord | null> {
    const entry = this.cache.peek(tenantCode, undefined) ?? (await this.cache.get(tenantCode, undefined));
    return entry.found ? entry.tenant : null;
  }

  /** get() without waiting: the answer if cached (null: no such tenant), undefined otherwise. */
  peek(tenantCode: string): TenantRecord | null | undefined {
    const entry = this.cache.peek(tenantCode, undefined);
    return entry === undefined ? undefined : entry.found ? entry.tenant : null;
  }

  /** Forgets one tenant (or all) and tells listeners (caches keyed by tenant). */
  invalidate(tenantCode?: string): void {
    if (tenantCode) this.cache.delete(tenantCode);
    else this.cache.clear();
    for (const l of this.listeners) l(tenantCode ?? '*');
  }

  /** Called with a tenant code (or '*') whenever a tenant's cached state must be dropped. */
  onInvalidate(listener: (tenantCode: string) => void): void {
    this.listeners.push(listener);
  }

  size(): number {
    return this.cache.size;
  }

  /** Subscribes to tenant status announcements on a dedicated Redis connection. */
  async subscribe(subscriber: Redis, redisKeyPrefix: string): Promise<void> {
    this.subscriber = subscriber;
    await subscribeJson<TenantStatusMessage>(subscriber, tenantStatusChannel(redisKeyPrefix), {
      message: (msg) => {
        this.messages++;
        if (msg && typeof msg.tenantCode === 'string') {
          this.opts.logger.info({ tenant: msg.tenantCode, status: msg.status }, 'tenant status changed');
          // Cache keys are lower case (every entry lower-cases the code it gets).
          this.invalidate(msg.tenantCode.toLowerCase());
        } else {
          this.invalidate();
        }
      },
      reconnected: () => {
        this.opts.logger.info('tenant status subscription restored; dropping cached tenants');
        this.invalidate();
      },
    });
  }

  async close(): Promise<void> {
    this.subscriber?.disconnect();
    this.cache.clear();
  }

  private async load(tenantCode: string): Promise<Entry> {
    const [rows] = await this.opts.controlDb.query<RowDataPacket[]>(
      `SELECT t.tenant_id, t.name, t.status, t.database_name, t.oss_prefix, t.db_server_id, t.db_user, t.db_password_enc,
              s.host, s.port, s.username, s.secret_ref
         FROM tenants t LEFT JOIN database_servers s ON s.id = t.db_server_id
        WHERE t.tenant_id = ?`,
      [tenantCode],
    );
    const r = rows[0];
    if (!r) return { found: false };
    const target: MysqlTarget =
      r.db_server_id === null || r.host === null
        ? this.opts.defaultServer
        : { host: r.host, port: Number(r.port), user: r.username, password: resolveSecret(r.secret_ref) };
    return {
      found: true,
      tenant: {
        tenantCode: r.tenant_id,
        name: r.name,
        status: r.status,
        databaseName: assertDbName(r.database_name),
        server: dbServer(target),
        storagePrefix: r.oss_prefix ?? null,
        login: r.db_user && r.db_password_enc ? { user: r.db_user, password: this.opts.secrets.open(r.db_password_enc) } : null,
      },
    };
  }
}
