import type { JwksVerifier, Logger, Metrics, Pool, Redis, SessionRevocations, StorageProvider } from '@kg/shared';
import type { TenantAppConfig } from './config';
import type { ConnectionBudget } from './internal/db/connection-budget';
import type { TenantDb } from './internal/db/tenant-db';
import type { AccessService } from './modules/access/access.service';
import type { AiBridgeClient } from './modules/ai/ai.bridge-client';
import type { TenantRecord, TenantRegistry } from './modules/tenancy/tenant.registry';

/** Everything a request handler needs; built once per process. */
export interface AppContext {
  config: TenantAppConfig;
  logger: Logger;
  /** Small pool on the control database (tenant registry, user bindings). */
  controlDb: Pool;
  redis: Redis;
  /** Dedicated connection in subscriber mode (tenant status announcements). */
  subscriber: Redis;
  metrics: Metrics;
  /** The process-wide budget of tenant-database connections. */
  budget: ConnectionBudget;
  tenants: TenantRegistry;
  verifier: JwksVerifier;
  /** Ended sign-ins and "valid after" moments, in memory, refreshed by announcements. */
  revocations: SessionRevocations;
  access: AccessService;
  storage: StorageProvider;
  aiBridge: AiBridgeClient;
  /** The request-scoped handle on one tenant's database. */
  tenantDb(tenant: TenantRecord): TenantDb;
}
