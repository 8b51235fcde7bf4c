import assert from 'node:assert/strict';
import { isAllowHostEntry, OutboundGuard, outboundAllowed, outboundRule, urlHost, type Resolver } from '../src/outbound';

/** A resolver from a fixed table, so names resolve the same on every machine. */
const table: Record<string, string[]> = {
  'public.example': ['93.184.216.34'],
  'mixed.example': ['93.184.216.34', '10.0.0.7'],
  'intranet.example': ['10.0.2.15'],
  'local.example': ['127.0.0.1', '::1'],
};
const resolve: Resolver = async (host) => {
  const found = table[host];
  if (!found) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  return found;
};

describe('outbound rule for operator-chosen addresses', () => {
  const production = outboundRule({ NODE_ENV: 'production', OUTBOUND_ALLOW_HOSTS: '' });
  const development = outboundRule({ NODE_ENV: 'development', OUTBOUND_ALLOW_HOSTS: '' });

  it('when in production, then private, loopback, link-local and reserved addresses are refused and public ones pass', async () => {
    for (const host of [
      '10.1.2.3', '172.16.0.1', '192.168.1.1', '127.0.0.1', '169.254.169.254', '100.64.0.1', '0.0.0.0',
      '::1', '[::1]', 'fe80::1', 'fd00::1', '::ffff:10.0.0.1', '::ffff:127.0.0.1', 'localhost.', 'local.example',
    ]) {
      assert.equal(await outboundAllowed(production, host, resolve), false, host);
    }
    assert.equal(await outboundAllowed(production, '93.184.216.34', resolve), true);
    assert.equal(await outboundAllowed(production, 'public.example', resolve), true);
  });

  it('when a name resolves to one public and one internal address, or not at all, then it is refused', async () => {
    assert.equal(await outboundAllowed(production, 'mixed.example', resolve), false);
    assert.equal(await outboundAllowed(production, 'nowhere.example', resolve), false);
    assert.equal(await outboundAllowed(production, '', resolve), false);
  });

  it('when in development or test, then loopback passes but other internal ranges are still refused', async () => {
    assert.equal(await outboundAllowed(development, '127.0.0.1', resolve), true);
    assert.equal(await outboundAllowed(development, '::1', resolve), true);
    assert.equal(await outboundAllowed(development, 'local.example', resolve), true);
    assert.equal(await outboundAllowed(development, '10.1.2.3', resolve), false);
    assert.equal(await outboundAllowed(development, '169.254.169.254', resolve), false);
    assert.equal(outboundRule({ NODE_ENV: 'test', OUTBOUND_ALLOW_HOSTS: '' }).allowLoopback, true);
  });

  it('when a host, address or CIDR range is allow-listed, then exactly those pass in production', async () => {
    const rule = outboundRule({ NODE_ENV: 'production', OUTBOUND_ALLOW_HOSTS: ' Intranet.Example , 10.0.3.0/24,192.168.7.7' });
    assert.equal(await outboundAllowed(rule, 'intranet.example', resolve), true);
    assert.equal(await outboundAllowed(rule, '10.0.3.200', resolve), true);
    assert.equal(await outboundAllowed(rule, '192.168.7.7', resolve), true);
    assert.equal(await outboundAllowed(rule, '10.0.4.1', resolve), false);
    assert.equal(await outboundAllowed(rule, '192.168.7.8', resolve), false);
    assert.equal(await outboundAllowed(rule, '127.0.0.1', resolve), false);
  });

  it('when allow-list entries are checked, then names, addresses and ranges are valid and anything else is not', () => {
    for (const ok of ['db-1.internal', '10.0.0.0/8', 'fd00::/8', '192.168.1.1', 'localhost']) assert.ok(isAllowHostEntry(ok), ok);
    for (const bad of ['10.0.0.0/33', 'http://x', 'a b', '10.0.0.0/8/1', '-x.example']) assert.ok(!isAllowHostEntry(bad), bad);
  });

  it('when the guard is asked twice within its time, then the answer is remembered; URLs give their host', async () => {
    let lookups = 0;
    const guard = new OutboundGuard(production, 60_000, async (h) => (lookups++, resolve(h)));
    assert.equal(await guard.allowed('public.example'), true);
    assert.equal(await guard.allowed('public.example'), true);
    assert.equal(lookups, 1);
    assert.equal(urlHost('https://[fd00::1]:8443/v1'), '[fd00::1]');
    assert.equal(urlHost('ftp://x/'), '');
    assert.equal(await guard.allowed(urlHost('https://[fd00::1]:8443/v1')), false);
  });
});
