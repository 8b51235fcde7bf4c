import { createProviders, type Providers } from '@kg/shared';
import type { ProvisionerContext } from '../../context';

const cache = new WeakMap<ProvisionerContext, Providers>();

/** The DNS and storage providers of this worker (local or cloud, per config), built once per context. */
export function workerProviders(ctx: ProvisionerContext): Providers {
  let p = cache.get(ctx);
  if (!p) {
    p = (ctx as unknown as { providers?: Providers }).providers ?? createProviders(ctx.config, ctx.db);
    cache.set(ctx, p);
  }
  return p;
}
