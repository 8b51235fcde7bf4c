import { urlHost } from '@kg/shared';
import type { AppContext } from '../../context';
import { outboundGuard } from '../../internal/outbound';
import { ProviderError, ProviderErrorCode } from './providers/provider-http';

/**
 * The outbound rule for AI endpoints at call time (docs/privileges.md, Outbound targets; the same
 * rule refuses such endpoints when a model is saved): an endpoint whose host is or resolves to an
 * internal address is refused unless allow-listed. Checked on every call, since a name may
 * resolve elsewhere later; answers are kept a minute per host. The refusal reads like any other
 * unreachable provider, so the bridge cannot be used to probe the internal network.
 */
export async function assertOutboundAllowed(ctx: AppContext, endpointUrl: string): Promise<void> {
  const host = urlHost(endpointUrl);
  if (host && (await outboundGuard(ctx).allowed(host))) return;
  throw new ProviderError(ProviderErrorCode.Unavailable, 'The AI provider could not be reached', null, false);
}
