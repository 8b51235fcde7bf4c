import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The request id of the work in progress: set for an HTTP request by requestLogging and for a
 * job by the provisioner's worker (from the job's `requestId`), so every log line of that work
 * carries one field, `reqId`, and a job's lines can be found from the request that enqueued it
 * (docs/operations.md, Logs).
 */
const store = new AsyncLocalStorage<string>();

export function currentRequestId(): string | undefined {
  return store.getStore();
}

export function runWithRequestId<T>(requestId: string | undefined, fn: () => T): T {
  return requestId ? store.run(requestId, fn) : fn();
}

/** Removes the query string of a URL for logging: tokens and tickets travel there. */
export function pathOnly(url: string): string {
  const i = url.indexOf('?');
  return i < 0 ? url : `${url.slice(0, i)}?[redacted]`;
}
