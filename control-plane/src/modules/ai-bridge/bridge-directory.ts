import {
  subscribeJson,
  tenantAccessChannel,
  tenantStatusChannel,
  type Pool,
  type Redis,
  type TenantAccessMessage,
  type TenantStatusMessage,
} from '@kg/shared';
import type { AppContext } from '../../context';
import { DroppableCache } from '../../internal/droppable-cache';
import { listActiveModelRecords, type AiModelRecord } from '../ai-models/ai-model.repository';
import { findBinding, type TenantBinding } from '../auth/tenant-binding.repository';
import { findPlan, type Plan } from '../billing/plan.repository';
import { findTenant, type Tenant } from '../tenants/tenant.repository';
import { listTenantModelSettings, type TenantModelSetting } from './tenant-model.repository';

/**
 * Redis channel on which control-plane instances announce a change of what the bridge caches
 * besides tenants and bindings: the AI models, or one tenant's model settings or plan.
 */
export function aiConfigChannel(redisKeyPrefix: string): string {
  return `${redisKeyPrefix}ai-config`;
}

export interface AiConfigMessage {
  /** The model list changed (every tenant's candidates). */
  models?: boolean;
  /** This tenant's plan or model settings changed. */
  tenantCode?: string;
  tenantId?: number;
}

/** A caller's binding, tenant and (when both are active) the tenant's plan, as read together. */
export interface CallerRecords {
  binding: TenantBinding | null;
  tenant: Tenant | null;
  plan: Plan | null;
}

/** An active binding to an active tenant: the only answer the directory keeps. */
export function isAllowed(r: CallerRecords): boolean {
  return r.binding?.status === 'active' && r.tenant?.status === 'active';
}

/**
 * What every bridge call reads before it starts and what rarely changes (docs/ai-billing.md,
 * "Bridge overhead"): the caller's binding with its tenant and plan, the active models, a tenant's
 * model settings. Kept in memory so a steady stream of calls costs no round trip for them, and
 * dropped the moment a change is announced: a tenant's status (tenant-status channel), a user's
 * binding (tenant-access), the models, a tenant's model settings or plan (`aiConfigChannel`, which
 * `announceAiConfigChange` publishes), and everything when the subscription reconnects. Only an
 * allowed caller is kept: a refusal is read again on every call, so a binding made a moment ago
 * works at once. `ttlMs` is the safety net for changes made behind the control plane's back (SQL).
 */
export class BridgeDirectory {
  private readonly callers: DroppableCache<CallerRecords>;
  private readonly models: DroppableCache<AiModelRecord[]>;
  private readonly settings: DroppableCache<TenantModelSetting[]>;
  /** Announcements received (diagnostics and tests). */
  messages = 0;

  constructor(
    private readonly db: Pool,
    ttlMs: number,
  ) {
    this.callers = new DroppableCache(ttlMs);
    this.models = new DroppableCache(ttlMs);
    this.settings = new DroppableCache(ttlMs);
  }

  /** Subscribes to the announcements that drop answers, on `subscriber`. */
  async listen(subscriber: Redis, redisKeyPrefix: string): Promise<void> {
    await Promise.all([
      subscribeJson<TenantStatusMessage>(subscriber, tenantStatusChannel(redisKeyPrefix), {
        message: (msg) => {
          this.messages++;
          this.dropCallers(typeof msg?.tenantCode === 'string' ? msg.tenantCode : undefined);
          // Settings are kept by tenant id, which the message does not carry; status changes are rare.
          this.settings.drop();
        },
        reconnected: () => this.dropAll(),
      }),
      subscribeJson<TenantAccessMessage>(subscriber, tenantAccessChannel(redisKeyPrefix), {
        message: (msg) => {
          this.messages++;
          this.dropCallers(typeof msg?.tenantCode === 'string' ? msg.tenantCode : undefined, msg?.globalUserId);
        },
      }),
      subscribeJson<AiConfigMessage>(subscriber, aiConfigChannel(redisKeyPrefix), {
        message: (msg) => {
          this.messages++;
          this.apply(msg ?? {});
        },
      }),
    ]);
  }

  /**
   * The caller's binding, tenant and plan: from memory when they allowed the call a moment ago,
   * else read now (a refusal is never kept, so it is read again each time).
   */
  callerRecords(tenantCode: string, globalUserId: number): Promise<CallerRecords> {
    return this.callers.get(
      `${tenantCode}|${globalUserId}|`,
      async () => {
        const [binding, tenant] = await Promise.all([findBinding(this.db, globalUserId, tenantCode), findTenant(this.db, tenantCode)]);
        const r: CallerRecords = { binding, tenant, plan: null };
        if (isAllowed(r)) r.plan = await findPlan(this.db, tenant!.planType);
        return r;
      },
      isAllowed,
    );
  }

  /** Every active model, by id. */
  activeModels(): Promise<AiModelRecord[]> {
    return this.models.get('all', () => listActiveModelRecords(this.db));
  }

  /** A tenant's model settings, highest priority first. */
  tenantModelSettings(tenantId: number): Promise<TenantModelSetting[]> {
    return this.settings.get(`${tenantId}|`, () => listTenantModelSettings(this.db, tenantId));
  }

  /** Applies one change (announced, or made by this process). */
  apply(msg: AiConfigMessage): void {
    if (msg.models) this.models.drop();
    if (typeof msg.tenantCode === 'string') this.dropCallers(msg.tenantCode);
    if (typeof msg.tenantId === 'number') this.settings.drop(`${msg.tenantId}|`);
    if (!msg.models && msg.tenantCode === undefined && msg.tenantId === undefined) this.dropAll();
  }

  /** Drops the callers of one tenant (one user of it, when given); no tenant drops every caller. */
  dropCallers(tenantCode?: string, globalUserId?: string): void {
    if (tenantCode === undefined) return this.callers.drop();
    this.callers.drop(typeof globalUserId === 'string' ? `${tenantCode}|${globalUserId}|` : `${tenantCode}|`);
  }

  dropAll(): void {
    this.callers.drop();
    this.models.drop();
    this.settings.drop();
  }
}

/**
 * After a committed change of the models or of a tenant's plan or model settings: drops this
 * process's answers at once and announces it to the other instances. The change is committed; a
 * Redis outage must not undo it, so a failed announcement is logged (the others drop the answer
 * within AI_BRIDGE_CACHE_TTL_MS).
 */
export async function announceAiConfigChange(ctx: AppContext, msg: AiConfigMessage): Promise<void> {
  ctx.bridgeDirectory.apply(msg);
  await ctx.redis
    .publish(aiConfigChannel(ctx.config.REDIS_KEY_PREFIX), JSON.stringify(msg))
    .catch((err: Error) => ctx.logger.warn({ err: err.message, ...msg }, 'AI configuration change not announced'));
}
