import Alidns, * as $Alidns from '@alicloud/alidns20150109';
import * as $OpenApi from '@alicloud/openapi-client';
import type { DnsProvider, DnsRecord } from './types';

export interface AliyunDnsSettings {
  accessKeyId: string;
  accessKeySecret: string;
  /** Host (alidns.aliyuncs.com) or a full URL; an `http://` URL switches the protocol (test stubs). */
  endpoint: string;
}

/** Splits "http://127.0.0.1:8080" into the endpoint host and protocol the Alibaba SDKs expect. */
export function aliyunEndpoint(endpoint: string): { endpoint: string; protocol: string } {
  const m = /^(https?):\/\/([^/]+)\/?$/i.exec(endpoint.trim());
  if (m) return { endpoint: m[2], protocol: m[1].toLowerCase() };
  return { endpoint: endpoint.trim(), protocol: 'https' };
}

/** Alibaba errors that mean "the record is already gone". */
const RECORD_GONE = /NotBelongToUser|NotFound|NoExist|InvalidRecordId/i;

/**
 * Alibaba Cloud DNS (`@alicloud/alidns20150109`). Records are found by sub-domain, so ensure is
 * idempotent: a second ensure returns the existing record, updating it only if the value differs.
 */
export class AliyunDnsProvider implements DnsProvider {
  readonly name = 'aliyun';
  private readonly client: Alidns;

  constructor(settings: AliyunDnsSettings) {
    const { endpoint, protocol } = aliyunEndpoint(settings.endpoint);
    this.client = new Alidns(
      new $OpenApi.Config({
        accessKeyId: settings.accessKeyId,
        accessKeySecret: settings.accessKeySecret,
        endpoint,
        protocol,
        readTimeout: 10_000,
        connectTimeout: 5_000,
      }),
    );
  }

  async findRecord(rr: string, domain: string): Promise<DnsRecord | null> {
    const res = await this.client.describeSubDomainRecords(
      new $Alidns.DescribeSubDomainRecordsRequest({ subDomain: `${rr}.${domain}`, domainName: domain, pageSize: 100 }),
    );
    const records = res.body?.domainRecords?.record ?? [];
    const match = records.find((r) => r.RR === rr && (r.type === 'A' || r.type === 'CNAME'));
    if (!match || !match.recordId) return null;
    return {
      recordId: match.recordId,
      rr,
      domain,
      type: match.type as 'A' | 'CNAME',
      value: match.value ?? '',
      ttl: match.TTL ?? 600,
    };
  }

  async ensureRecord(input: Omit<DnsRecord, 'recordId'>): Promise<DnsRecord> {
    const existing = await this.findRecord(input.rr, input.domain);
    if (existing) {
      // UpdateDomainRecord with identical values fails (DomainRecordDuplicate), so only on change.
      if (existing.type !== input.type || existing.value !== input.value || existing.ttl !== input.ttl) {
        await this.client.updateDomainRecord(
          new $Alidns.UpdateDomainRecordRequest({
            recordId: existing.recordId,
            RR: input.rr,
            type: input.type,
            value: input.value,
            TTL: input.ttl,
          }),
        );
      }
      return { ...input, recordId: existing.recordId };
    }
    let recordId: string | undefined;
    try {
      const res = await this.client.addDomainRecord(
        new $Alidns.AddDomainRecordRequest({
          domainName: input.domain,
          RR: input.rr,
          type: input.type,
          value: input.value,
          TTL: input.ttl,
        }),
      );
      recordId = res.body?.recordId;
    } catch (err) {
      // A concurrent or earlier (timed-out) attempt created it: converge on that record.
      if (!/DomainRecordDuplicate/i.test(String((err as { code?: unknown }).code ?? ''))) throw err;
      const created = await this.findRecord(input.rr, input.domain);
      if (!created) throw err;
      return created;
    }
    if (!recordId) throw new Error(`AddDomainRecord for ${input.rr}.${input.domain} returned no RecordId`);
    return { ...input, recordId };
  }

  async deleteRecord(recordId: string): Promise<void> {
    try {
      await this.client.deleteDomainRecord(new $Alidns.DeleteDomainRecordRequest({ recordId }));
    } catch (err) {
      const code = String((err as { code?: unknown }).code ?? '');
      if (RECORD_GONE.test(code)) return;
      throw err;
    }
  }
}
