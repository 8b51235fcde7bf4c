import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * The one rule for outbound addresses chosen by operators (database servers, AI model endpoints;
 * docs/privileges.md, Outbound targets): a host that is or resolves to a private, loopback,
 * link-local or otherwise internal address is refused unless it is on the allow-list setting
 * OUTBOUND_ALLOW_HOSTS. Development and test also allow loopback, so local stubs work.
 */

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** Addresses that are not the public internet: private, shared, link-local, reserved, multicast. */
const INTERNAL = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) INTERNAL.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96]] as const) {
  INTERNAL.addSubnet(net, bits, 'ipv6');
}

export interface OutboundRule {
  /** True in development and test: loopback addresses pass without being listed. */
  allowLoopback: boolean;
  /** Host names (exact, case-insensitive), addresses and CIDR ranges that pass whatever they resolve to. */
  allowHosts: readonly string[];
}

/** The rule for a process: its NODE_ENV and its OUTBOUND_ALLOW_HOSTS (comma-separated). */
export function outboundRule(env: { NODE_ENV: string; OUTBOUND_ALLOW_HOSTS: string }): OutboundRule {
  return {
    allowLoopback: env.NODE_ENV !== 'production',
    allowHosts: env.OUTBOUND_ALLOW_HOSTS.split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
  };
}

/** True when `entry` is a valid OUTBOUND_ALLOW_HOSTS entry: a host name, an address or a CIDR range. */
export function isAllowHostEntry(entry: string): boolean {
  const [addr, bits, extra] = entry.split('/');
  if (extra !== undefined) return false;
  if (bits !== undefined) {
    const family = isIP(addr ?? '');
    const n = Number(bits);
    return family !== 0 && Number.isInteger(n) && n >= 0 && n <= (family === 6 ? 128 : 32);
  }
  return isIP(entry) !== 0 || /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i.test(entry);
}

function family(address: string): 'ipv4' | 'ipv6' {
  return isIP(address) === 6 ? 'ipv6' : 'ipv4';
}

/** An IPv4-mapped IPv6 address (::ffff:10.0.0.1) is judged as the IPv4 address it carries. */
function unmapped(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? m[1]! : address;
}

function listed(rule: OutboundRule, host: string, addresses: readonly string[]): boolean {
  if (rule.allowHosts.includes(host)) return true;
  const ranges = new BlockList();
  let any = false;
  for (const entry of rule.allowHosts) {
    const [addr, bits] = entry.split('/');
    if (!addr || isIP(addr) === 0) continue;
    if (bits === undefined) ranges.addAddress(addr, family(addr));
    else ranges.addSubnet(addr, Number(bits), family(addr));
    any = true;
  }
  return any && addresses.length > 0 && addresses.every((a) => ranges.check(a, family(a)));
}

/** True when every address may be reached under `rule` without being listed. */
function allPublic(rule: OutboundRule, addresses: readonly string[]): boolean {
  return (
    addresses.length > 0 &&
    addresses.every((a) => !INTERNAL.check(a, family(a)) || (rule.allowLoopback && LOOPBACK.check(a, family(a))))
  );
}

export type Resolver = (host: string) => Promise<string[]>;

const systemResolver: Resolver = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/**
 * Whether `host` (a name or an address, IPv6 with or without brackets) may be connected to.
 * A name is resolved and every address it resolves to must pass, so a name with one public and
 * one internal address is refused; a name that does not resolve is refused.
 */
export async function outboundAllowed(rule: OutboundRule, host: string, resolve: Resolver = systemResolver): Promise<boolean> {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  if (!h) return false;
  if (rule.allowHosts.includes(h)) return true;
  let addresses: string[];
  if (isIP(h)) addresses = [h];
  else {
    try {
      addresses = await resolve(h);
    } catch {
      return false;
    }
  }
  addresses = addresses.map(unmapped);
  return listed(rule, h, addresses) || allPublic(rule, addresses);
}

/** outboundAllowed with the answer per host kept for `ttlMs` (AI calls check it on every call). */
export class OutboundGuard {
  private readonly answers = new Map<string, { ok: boolean; at: number }>();

  constructor(
    readonly rule: OutboundRule,
    private readonly ttlMs = 60_000,
    private readonly resolve: Resolver = systemResolver,
  ) {}

  async allowed(host: string): Promise<boolean> {
    const hit = this.answers.get(host);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.ok;
    const ok = await outboundAllowed(this.rule, host, this.resolve);
    if (this.answers.size > 10_000) this.answers.clear();
    this.answers.set(host, { ok, at: Date.now() });
    return ok;
  }
}

/** The host of an http(s) URL, or '' when it is not one. */
export function urlHost(url: string): string {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.hostname : '';
  } catch {
    return '';
  }
}
