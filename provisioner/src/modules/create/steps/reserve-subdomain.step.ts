import { workerProviders } from '../../cleanup/providers';
import { setDnsRecordId } from '../../tenants/tenant.repository';
import type { CreateStep } from '../step';

/** Step 1: the DNS record `{tenantCode}.{BASE_DOMAIN}` (A to TENANT_INGRESS_IP); ensureRecord never duplicates it. */
export const reserveSubdomain: CreateStep = {
  name: 'reserve_subdomain',
  async run({ ctx, tenant, checkpoint }) {
    const zone = ctx.config.BASE_DOMAIN;
    const rr = tenant.domain.endsWith(`.${zone}`) ? tenant.domain.slice(0, -(zone.length + 1)) : tenant.tenantCode;
    const record = await workerProviders(ctx).dns.ensureRecord({
      rr,
      domain: zone,
      type: 'A',
      value: ctx.config.TENANT_INGRESS_IP,
      ttl: ctx.config.DNS_TTL,
    });
    await checkpoint('mid');
    await setDnsRecordId(ctx.db, tenant.tenantCode, record.recordId);
    tenant.dnsRecordId = record.recordId;
    return { recordId: record.recordId, fqdn: `${rr}.${zone}`, type: record.type, value: record.value };
  },
};
