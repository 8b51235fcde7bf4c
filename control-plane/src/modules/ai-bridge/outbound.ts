import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { AppError } from '@kg/shared';
import type { AppContext } from '../../context';

const PRIVATE = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16],
  ['172.16.0.0', 12], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) PRIVATE.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [['::1', 128], ['::', 128], ['fc00::', 7], ['fe80::', 10], ['::ffff:0:0', 96]] as const) PRIVATE.addSubnet(net, bits, 'ipv6');

const checked = new Map<string, { ok: boolean; at: number }>();
const CACHE_MS = 60_000;

/**
 * The outbound-address rule for AI endpoints (docs/ai-billing.md, "Providers"): in production an
 * endpoint whose host resolves to a private, loopback or link-local address is refused unless the
 * host is listed in AI_ENDPOINT_ALLOW_HOSTS. The refusal is generic, so the bridge cannot be used
 * to probe the internal network. Results are cached for a minute per host.
 */
export async function assertOutboundAllowed(ctx: AppContext, endpointUrl: string): Promise<void> {
  if (ctx.config.NODE_ENV !== 'production') return;
  const host = new URL(endpointUrl).hostname.replace(/^\[|\]$/g, '');
  const allowed = ctx.config.AI_ENDPOINT_ALLOW_HOSTS.split(',').map((h) => h.trim().toLowerCase()).filter(Boolean);
  if (allowed.includes(host.toLowerCase())) return;
  const hit = checked.get(host);
  let ok = hit && Date.now() - hit.at < CACHE_MS ? hit.ok : undefined;
  if (ok === undefined) {
    const addrs = isIP(host) ? [{ address: host, family: isIP(host) }] : await lookup(host, { all: true }).catch(() => []);
    ok = addrs.length > 0 && addrs.every((a) => !PRIVATE.check(a.address, a.family === 6 ? 'ipv6' : 'ipv4'));
    checked.set(host, { ok, at: Date.now() });
  }
  if (!ok) throw new AppError('AI_PROVIDER_UNAVAILABLE', 502, 'The AI provider could not be reached');
}
