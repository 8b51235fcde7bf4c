import type { Logger, Metrics, Pool, Redis } from '@kg/shared';
import type { ControlPlaneConfig } from './config';
import type { SecretBox } from './internal/crypto';
import type { KeyStore } from './modules/keys/key-store';
import type { TokenService } from './modules/tokens/token.service';

/** Everything a request handler or job needs; built once per process. */
export interface AppContext {
  config: ControlPlaneConfig;
  logger: Logger;
  db: Pool;
  redis: Redis;
  metrics: Metrics;
  secrets: SecretBox;
  keys: KeyStore;
  tokens: TokenService;
  /** Redis key for this deployment (REDIS_KEY_PREFIX applied). */
  key(...parts: string[]): string;
}
