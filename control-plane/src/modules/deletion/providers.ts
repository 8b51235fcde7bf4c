import { createProviders, type DnsRecord, type Providers } from '@kg/shared';
import type { AppContext } from '../../context';

type LifecycleProviders = Providers & { defaultRecord: Pick<DnsRecord, 'type' | 'value' | 'ttl'> };
const cache = new WeakMap<AppContext, LifecycleProviders>();

/**
 * The DNS and storage providers of this process (docs/control-plane.md, "Providers"), built once
 * per context from the provider settings, plus the record a restored tenant gets when its old one
 * is unknown.
 */
export function tenantProviders(ctx: AppContext): LifecycleProviders {
  let p = cache.get(ctx);
  if (!p) {
    const shared = (ctx as unknown as { providers?: Providers }).providers;
    p = {
      ...(shared ?? createProviders(ctx.config, ctx.db)),
      defaultRecord: { type: 'A', value: ctx.config.TENANT_INGRESS_IP, ttl: ctx.config.DNS_TTL },
    };
    cache.set(ctx, p);
  }
  return p;
}
