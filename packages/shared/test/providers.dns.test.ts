import assert from 'node:assert/strict';
import { connect, createDatabase, createPool, type Pool } from '../src/mysql';
import { dropDatabases, testMysqlTarget, uniqueId } from '../src/testing';
import { AliyunDnsProvider } from '../src/providers/aliyun-dns';
import { LocalDnsProvider } from '../src/providers/local-dns';
import type { DnsProvider } from '../src/providers/types';
import { startAlidnsStub, type AlidnsStub } from './stubs/alidns-stub';

/** The DNS behaviour provisioning relies on, run against every adapter. */
function dnsContract(name: string, make: () => DnsProvider) {
  describe(`DNS contract: ${name}`, () => {
    let dns: DnsProvider;
    before(() => {
      dns = make();
    });

    it('when a record is ensured twice, then exactly one record exists with one id', async () => {
      const input = { rr: 'k101', domain: 'yyup.cc', type: 'A' as const, value: '10.0.0.1', ttl: 600 };
      const first = await dns.ensureRecord(input);
      const second = await dns.ensureRecord(input);
      assert.equal(second.recordId, first.recordId);
      const found = await dns.findRecord('k101', 'yyup.cc');
      assert.deepEqual(found, { ...input, recordId: first.recordId });
    });

    it('when the ingress IP changes, then ensure updates the same record', async () => {
      const a = await dns.ensureRecord({ rr: 'k102', domain: 'yyup.cc', type: 'A', value: '10.0.0.1', ttl: 600 });
      const b = await dns.ensureRecord({ rr: 'k102', domain: 'yyup.cc', type: 'A', value: '10.0.0.2', ttl: 600 });
      assert.equal(b.recordId, a.recordId);
      assert.equal((await dns.findRecord('k102', 'yyup.cc'))?.value, '10.0.0.2');
    });

    it('when a record is deleted, then it is gone, and deleting it again is not an error', async () => {
      const r = await dns.ensureRecord({ rr: 'k103', domain: 'yyup.cc', type: 'A', value: '10.0.0.3', ttl: 600 });
      await dns.deleteRecord(r.recordId);
      assert.equal(await dns.findRecord('k103', 'yyup.cc'), null);
      await dns.deleteRecord(r.recordId);
      await dns.deleteRecord('999999999');
    });

    it('when two workers ensure the same record at once, then both get the one record', async () => {
      const input = { rr: 'k105', domain: 'yyup.cc', type: 'A' as const, value: '10.0.0.5', ttl: 600 };
      const results = await Promise.all([dns.ensureRecord(input), dns.ensureRecord(input), dns.ensureRecord(input)]);
      assert.equal(new Set(results.map((r) => r.recordId)).size, 1);
    });

    it('when another sub-domain exists, then find does not confuse k10 with k104', async () => {
      await dns.ensureRecord({ rr: 'k104', domain: 'yyup.cc', type: 'A', value: '10.0.0.4', ttl: 600 });
      assert.equal(await dns.findRecord('k10', 'yyup.cc'), null);
    });
  });
}

describe('DNS providers', () => {
  const dbName = `dns_${uniqueId('dns')}`;
  let pool: Pool;
  let stub: AlidnsStub;
  const secrets = { LTAI5tDnsTestKey: 'dns-test-secret-0123456789' };

  before(async () => {
    const conn = await connect(testMysqlTarget());
    await createDatabase(conn, dbName);
    await conn.end();
    pool = createPool(testMysqlTarget(), dbName, { connectionLimit: 2 });
    // Same shape as the control database's dns_records (control-plane/migrations/002_tenants.sql).
    await pool.query(`CREATE TABLE dns_records (
      id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
      record_id VARCHAR(100) NOT NULL,
      domain_name VARCHAR(255) NOT NULL,
      rr VARCHAR(100) NOT NULL,
      type ENUM('A','CNAME') NOT NULL,
      value VARCHAR(255) NOT NULL,
      ttl INT UNSIGNED NOT NULL DEFAULT 600,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      UNIQUE KEY uk_dns_records_record_id (record_id),
      UNIQUE KEY uk_dns_records_name (domain_name, rr, type)
    )`);
    stub = await startAlidnsStub(secrets);
  });
  after(async () => {
    await pool?.end();
    await dropDatabases([dbName]);
    await stub?.close();
  });

  dnsContract('local (control DB)', () => new LocalDnsProvider(pool));
  dnsContract('aliyun (alidns stub)', () =>
    new AliyunDnsProvider({ accessKeyId: 'LTAI5tDnsTestKey', accessKeySecret: secrets.LTAI5tDnsTestKey, endpoint: stub.url }),
  );

  it('when the local provider ensures one name concurrently, then one row results', async () => {
    const dns = new LocalDnsProvider(pool);
    const input = { rr: 'k200', domain: 'yyup.cc', type: 'A' as const, value: '10.0.0.9', ttl: 600 };
    const results = await Promise.all([1, 2, 3, 4].map(() => dns.ensureRecord(input)));
    assert.equal(new Set(results.map((r) => r.recordId)).size, 1);
    const [rows] = await pool.query<any[]>("SELECT COUNT(*) AS n FROM dns_records WHERE rr = 'k200'");
    assert.equal(rows[0].n, 1);
  });

  describe('aliyun wire protocol', () => {
    it('when the aliyun adapter talks to the stub, then it uses the real actions and signs every call', async () => {
      const actions = new Set(stub.calls.map((c) => c.action));
      for (const a of ['DescribeSubDomainRecords', 'AddDomainRecord', 'UpdateDomainRecord', 'DeleteDomainRecord']) {
        assert.ok(actions.has(a), `expected a ${a} call`);
      }
      const add = stub.calls.find((c) => c.action === 'AddDomainRecord')!;
      assert.equal(add.params.DomainName, 'yyup.cc');
      assert.equal(add.params.Type, 'A');
      assert.equal(add.params.TTL, '600');
    });

    it('when the access key secret is wrong, then the stub refuses like Alibaba Cloud does', async () => {
      const bad = new AliyunDnsProvider({ accessKeyId: 'LTAI5tDnsTestKey', accessKeySecret: 'wrong-secret', endpoint: stub.url });
      await assert.rejects(bad.findRecord('k101', 'yyup.cc'), (err: any) => err.code === 'SignatureDoesNotMatch');
    });
  });
});
