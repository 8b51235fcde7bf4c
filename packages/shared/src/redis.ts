import { Redis, type RedisOptions } from 'ioredis';
import { envx } from './env';

export { Redis };

export const redisEnvSchema = {
  REDIS_URL: envx.str('redis://127.0.0.1:6379'),
  /** Every key and queue name this deployment uses starts with this prefix. */
  REDIS_KEY_PREFIX: envx.str('kg:'),
};

/**
 * A Redis client for request-path use: commands fail fast when Redis is down (no offline
 * queue), so callers answer 503 instead of hanging.
 */
export function createRedis(url: string, opts: RedisOptions = {}): Redis {
  return new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 3000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    lazyConnect: false,
    ...opts,
  });
}

/** Resolves once the client is ready, or rejects after `timeoutMs`. */
export function waitForRedis(client: Redis, timeoutMs = 5000): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis not ready after ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      client.off('ready', onReady);
    };
    client.on('ready', onReady);
  });
}

/**
 * Subscribes `subscriber` (a connection in subscriber mode) to `channel` and hands each message
 * to `message`, parsed as JSON (undefined when unreadable). `reconnected` runs whenever the
 * subscription comes back after a disconnect: announcements may have been missed meanwhile, so
 * whatever they keep fresh must be dropped.
 */
export async function subscribeJson<T>(
  subscriber: Redis,
  channel: string,
  handlers: { message: (msg: T | undefined) => void; reconnected?: () => void },
): Promise<void> {
  const { message, reconnected } = handlers;
  if (reconnected) {
    let readyOnce = subscriber.status === 'ready';
    subscriber.on('ready', () => {
      if (readyOnce) reconnected();
      readyOnce = true;
    });
  }
  subscriber.on('message', (ch: string, raw: string) => {
    if (ch !== channel) return;
    let msg: T | undefined;
    try {
      msg = JSON.parse(raw) as T;
    } catch {
      msg = undefined;
    }
    message(msg);
  });
  await subscriber.subscribe(channel);
}
