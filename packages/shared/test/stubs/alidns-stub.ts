import type http from 'node:http';
import { rpcParams, sendJson, verifyAcs3 } from './acs3';
import { requestId, startStub, type StubServer } from './server';

export interface StubDnsRecord {
  RecordId: string;
  DomainName: string;
  RR: string;
  Type: string;
  Value: string;
  TTL: number;
  Line: string;
  Status: string;
  Locked: boolean;
  Weight: number;
}

export interface AlidnsStub extends StubServer {
  records: Map<string, StubDnsRecord>;
  /** Every accepted call: action and parameters. */
  calls: Array<{ action: string; params: Record<string, string> }>;
}

/**
 * A local Alibaba Cloud DNS (2015-01-09) speaking the real RPC protocol: signed requests
 * (ACS3-HMAC-SHA256), action in `x-acs-action` (or `Action`), JSON answers with the real shapes
 * and error codes (DomainRecordDuplicate, DomainRecordNotBelongToUser).
 */
export async function startAlidnsStub(secrets: Record<string, string>): Promise<AlidnsStub> {
  const records = new Map<string, StubDnsRecord>();
  const calls: AlidnsStub['calls'] = [];
  let nextId = 1_000_000_000_000_000;
  const fail = (res: http.ServerResponse, status: number, code: string, message: string) =>
    sendJson(res, status, { RequestId: requestId(), HostId: 'alidns.aliyuncs.com', Code: code, Message: message });

  const server = await startStub((req, body, res) => {
    const auth = verifyAcs3(req, body, secrets);
    if (!auth.ok) return fail(res, auth.status, auth.code, auth.message);
    const p = rpcParams(req, body);
    const action = String(req.headers['x-acs-action'] ?? p.Action ?? '');
    if (req.headers['x-acs-version'] && req.headers['x-acs-version'] !== '2015-01-09') {
      return fail(res, 400, 'InvalidVersion', 'Specified parameter Version is not valid.');
    }
    calls.push({ action, params: p });
    switch (action) {
      case 'DescribeSubDomainRecords': {
        if (!p.SubDomain) return fail(res, 400, 'MissingSubDomain', 'SubDomain is mandatory for this action.');
        const matches = [...records.values()].filter(
          (r) => `${r.RR}.${r.DomainName}` === p.SubDomain && (!p.Type || r.Type === p.Type),
        );
        return sendJson(res, 200, {
          RequestId: requestId(),
          TotalCount: matches.length,
          PageNumber: Number(p.PageNumber ?? 1),
          PageSize: Number(p.PageSize ?? 20),
          DomainRecords: { Record: matches },
        });
      }
      case 'AddDomainRecord': {
        for (const k of ['DomainName', 'RR', 'Type', 'Value']) {
          if (!p[k]) return fail(res, 400, `Missing${k}`, `${k} is mandatory for this action.`);
        }
        if ([...records.values()].some((r) => r.DomainName === p.DomainName && r.RR === p.RR && r.Type === p.Type && r.Value === p.Value)) {
          return fail(res, 400, 'DomainRecordDuplicate', 'The DNS record already exists.');
        }
        const RecordId = String(nextId++);
        records.set(RecordId, {
          RecordId,
          DomainName: p.DomainName,
          RR: p.RR,
          Type: p.Type,
          Value: p.Value,
          TTL: Number(p.TTL ?? 600),
          Line: p.Line ?? 'default',
          Status: 'ENABLE',
          Locked: false,
          Weight: 1,
        });
        return sendJson(res, 200, { RequestId: requestId(), RecordId });
      }
      case 'UpdateDomainRecord': {
        const r = records.get(p.RecordId ?? '');
        if (!r) return fail(res, 400, 'DomainRecordNotBelongToUser', 'The DNS record does not exist or belongs to another user.');
        const ttl = Number(p.TTL ?? r.TTL);
        if (r.RR === p.RR && r.Type === p.Type && r.Value === p.Value && r.TTL === ttl) {
          return fail(res, 400, 'DomainRecordDuplicate', 'The DNS record already exists.');
        }
        Object.assign(r, { RR: p.RR, Type: p.Type, Value: p.Value, TTL: ttl });
        return sendJson(res, 200, { RequestId: requestId(), RecordId: r.RecordId });
      }
      case 'DeleteDomainRecord': {
        if (!records.delete(p.RecordId ?? '')) {
          return fail(res, 400, 'DomainRecordNotBelongToUser', 'The DNS record does not exist or belongs to another user.');
        }
        return sendJson(res, 200, { RequestId: requestId(), RecordId: p.RecordId });
      }
      default:
        return fail(res, 404, 'InvalidAction.NotFound', `Specified api is not found, please check your url and method.`);
    }
  });
  return Object.assign(server, { records, calls });
}
