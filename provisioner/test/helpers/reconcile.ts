import { bullPrefix } from '@kg/shared';
import { deleteRedisPrefix, freePort } from '@kg/shared/testing';

export { freePort };
import type { Worker } from './provisioning';

/** What an operator's bad day does to the queues: every BullMQ key of this test's prefix is gone. */
export const loseQueueData = (redisKeyPrefix: string) => deleteRedisPrefix(bullPrefix(redisKeyPrefix));

/** Reconciliations a worker process logged, as { kind, tenantCode, reason }. */
export function reconciled(worker: Worker): Array<{ reconcile: string; tenantCode?: string; reason: string }> {
  return worker.output
    .join('')
    .split('\n')
    .filter((line) => line.includes('"msg":"reconciled"'))
    .map((line) => JSON.parse(line));
}


/** Metric names a PromQL expression reads: identifiers that are not functions, keywords or labels. */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\{[^}]*\}|\[[^\]]*\]|"[^"]*"/g, ' ');
  return [...bare.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\()?/g)]
    .filter((m) => !m[2] && !/^(bool|and|or|unless|offset)$/.test(m[1]!))
    .map((m) => m[1]!);
}
