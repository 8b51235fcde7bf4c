import { AppError, OutboundGuard, outboundRule } from '@kg/shared';
import type { AppContext } from '../context';

/** Code of the 400 answered when an operator names an address the outbound rule refuses. */
export const OUTBOUND_REFUSED = 'OUTBOUND_ADDRESS_REFUSED';

const guards = new WeakMap<AppContext, OutboundGuard>();

/**
 * The process's outbound rule (docs/privileges.md, Outbound targets), the same for database
 * servers and AI endpoints: OUTBOUND_ALLOW_HOSTS plus the older AI_ENDPOINT_ALLOW_HOSTS.
 */
export function outboundGuard(ctx: AppContext): OutboundGuard {
  let guard = guards.get(ctx);
  if (!guard) {
    const hosts = [ctx.config.OUTBOUND_ALLOW_HOSTS, ctx.config.AI_ENDPOINT_ALLOW_HOSTS].filter(Boolean).join(',');
    guard = new OutboundGuard(outboundRule({ NODE_ENV: ctx.config.NODE_ENV, OUTBOUND_ALLOW_HOSTS: hosts }));
    guards.set(ctx, guard);
  }
  return guard;
}

/** 400 OUTBOUND_ADDRESS_REFUSED on `field` unless `host` may be connected to; decided before any connection. */
export async function assertOperatorTarget(ctx: AppContext, host: string, field: string): Promise<void> {
  if (await outboundGuard(ctx).allowed(host)) return;
  throw new AppError(
    OUTBOUND_REFUSED,
    400,
    'This address is internal (private, loopback or link-local) or does not resolve; list it in OUTBOUND_ALLOW_HOSTS to allow it',
    { details: [{ field, message: 'is not an allowed outbound address' }] },
  );
}
