import { parseEnv } from '@kg/shared';
import { provisionerEnvSchema } from '../../src/config';
import type { ProvisionerContext } from '../../src/context';
import { buildContext, closeContext } from '../../src/internal/build-context';
import { startWorkers } from '../../src/start/worker';

/** A provisioner context (and optionally its workers) in this process, over the given env. */
export async function startProvisioner(env: Record<string, string>, opts: { workers?: boolean } = {}) {
  const config = parseEnv(provisionerEnvSchema, env);
  const ctx: ProvisionerContext = await buildContext(config);
  const workers = opts.workers === false ? [] : startWorkers(ctx);
  return {
    ctx,
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await closeContext(ctx);
    },
  };
}

/** Polls `check` until it returns a truthy value or the time is up. */
export async function eventually<T>(check: () => Promise<T | null | undefined | false>, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
