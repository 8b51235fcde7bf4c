import type { Logger, Metrics, Pool, Redis, SessionRevocations } from '@kg/shared';
import type { ControlPlaneConfig } from './config';
import type { SecretBox } from './internal/crypto';
import type { AdminDirectory } from './modules/admin-auth/admin-directory';
import type { BridgeDirectory } from './modules/ai-bridge/bridge-directory';
import type { ChargeQueue } from './modules/ai-bridge/charge-queue';
import type { KeyStore } from './modules/keys/key-store';
import type { StorageAccess } from './modules/storage/credential-access';
import type { TokenService } from './modules/tokens/token.service';

/** Everything a request handler or job needs; built once per process. */
export interface AppContext {
  config: ControlPlaneConfig;
  logger: Logger;
  db: Pool;
  redis: Redis;
  /** Connection in subscriber mode (revocation announcements). */
  subscriber: Redis;
  /** Ended sign-ins and "valid after" moments, in memory (docs/security.md, "Sessions and revocation"). */
  revocations: SessionRevocations;
  /** Admins' current role and status, cached and dropped on announcement. */
  admins: AdminDirectory;
  /** Who may still use local storage credentials, in memory, dropped on announcement. */
  storageAccess: StorageAccess;
  /** What AI bridge calls read before they start (callers, plans, models), in memory, dropped on announcement. */
  bridgeDirectory: BridgeDirectory;
  /** AI calls answered and being charged; a graceful stop waits for them (docs/ai-billing.md). */
  aiCharges: ChargeQueue;
  metrics: Metrics;
  secrets: SecretBox;
  keys: KeyStore;
  tokens: TokenService;
  /** Redis key for this deployment (REDIS_KEY_PREFIX applied). */
  key(...parts: string[]): string;
}
