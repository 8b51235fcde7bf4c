import { createProviders, storageSigningSecret, type Providers } from '@kg/shared';
import type { AppContext } from '../../context';

export interface StorageProviders {
  storage: Providers['storage'];
  sts: Providers['sts'];
  /** True when objects live on disk and this process serves them (STORAGE_PROVIDER=local). */
  local: boolean;
  /** Secret that signs local STS tokens and download URLs (shared with every process of the install). */
  signingSecret: string;
}

const cache = new WeakMap<AppContext, StorageProviders>();

/** The storage and STS providers of this process, built once per context from its settings. */
export function storageProviders(ctx: AppContext): StorageProviders {
  let p = cache.get(ctx);
  if (!p) {
    const fromContext = (ctx as unknown as { providers?: Providers }).providers;
    const { storage, sts } = fromContext ?? createProviders(ctx.config, ctx.db);
    const local = ctx.config.STORAGE_PROVIDER === 'local';
    p = { storage, sts, local, signingSecret: local ? storageSigningSecret(ctx.config) : '' };
    cache.set(ctx, p);
  }
  return p;
}
