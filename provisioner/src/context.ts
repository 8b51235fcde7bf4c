import type { ConnectionOptions } from 'bullmq';
import type { Logger, Metrics, Pool, Redis, SecretBox } from '@kg/shared';
import type { ProvisionerConfig } from './config';

/** What every job handler gets; built once per worker process. */
export interface ProvisionerContext {
  config: ProvisionerConfig;
  logger: Logger;
  /** Pool on the control database. */
  db: Pool;
  /** General-purpose Redis client (pub/sub publishing, locks). */
  redis: Redis;
  /** Connection options for BullMQ queues and workers. */
  bullConnection: ConnectionOptions;
  /** BullMQ key prefix (REDIS_KEY_PREFIX + 'bull'). */
  bullPrefix: string;
  metrics: Metrics;
  /** Seals and opens tenant database passwords (MASTER_KEY). */
  secrets: SecretBox;
}
