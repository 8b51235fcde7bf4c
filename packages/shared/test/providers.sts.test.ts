import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { ConfigError, parseEnv } from '../src/env';
import { AliyunStsProvider, buildOssSessionPolicy } from '../src/providers/aliyun-sts';
import { checkProviderEnv, createProviders, providerEnvSchema, storageSigningSecret } from '../src/providers/factory';
import { LocalStsProvider, verifyLocalStsCredentials } from '../src/providers/local-sts';
import OSS from 'ali-oss';
import { startOssStub, type OssStub } from './stubs/oss-stub';
import { startStsStub, type StsStub } from './stubs/sts-stub';

const issueInput = { tenantCode: 'k001', userId: '42', prefix: '13800138000/', readOnly: false, durationSeconds: 3600 };

describe('STS providers', () => {
  describe('aliyun (STS stub)', () => {
    let stub: StsStub;
    let sts: AliyunStsProvider;
    const secrets = { LTAI5tStsTestKey: 'sts-test-secret-987654' };
    before(async () => {
      stub = await startStsStub(secrets);
      sts = new AliyunStsProvider({
        accessKeyId: 'LTAI5tStsTestKey',
        accessKeySecret: secrets.LTAI5tStsTestKey,
        endpoint: stub.url,
        roleArn: 'acs:ram::1234567890123456:role/kg-oss-tenant',
        bucket: 'tenant-storage',
        region: 'oss-cn-hangzhou',
        ossEndpoint: 'https://oss-cn-hangzhou.aliyuncs.com',
      });
    });
    after(async () => {
      await stub?.close();
    });

    it('when credentials are issued, then AssumeRole runs for 1 h with a policy limited to the prefix', async () => {
      const creds = await sts.issue(issueInput);
      assert.match(creds.accessKeyId, /^STS\./);
      assert.ok(creds.accessKeySecret && creds.securityToken);
      assert.ok(Math.abs(new Date(creds.expiration).getTime() - Date.now() - 3600_000) < 5000);
      assert.equal(creds.bucket, 'tenant-storage');
      assert.equal(creds.allowedPrefix, '13800138000/');
      assert.equal(creds.readOnly, false);
      const call = stub.calls.at(-1)!;
      assert.equal(call.durationSeconds, 3600);
      assert.equal(call.roleArn, 'acs:ram::1234567890123456:role/kg-oss-tenant');
      assert.match(call.roleSessionName, /k001/);
      const policy = JSON.parse(call.policy!);
      assert.deepEqual(policy, {
        Version: '1',
        Statement: [
          {
            Effect: 'Allow',
            Action: ['oss:PutObject', 'oss:GetObject', 'oss:DeleteObject'],
            Resource: ['acs:oss:*:*:tenant-storage/13800138000/*'],
          },
          {
            Effect: 'Allow',
            Action: ['oss:ListObjects'],
            Resource: ['acs:oss:*:*:tenant-storage'],
            Condition: { StringLike: { 'oss:Prefix': ['13800138000/*'] } },
          },
        ],
      });
    });

    it('when read-only credentials are issued, then the policy grants no write action', async () => {
      const creds = await sts.issue({ ...issueInput, readOnly: true });
      assert.equal(creds.readOnly, true);
      const policy = JSON.parse(stub.calls.at(-1)!.policy!);
      const actions = policy.Statement.flatMap((s: { Action: string[] }) => s.Action);
      assert.deepEqual(actions.sort(), ['oss:GetObject', 'oss:ListObjects']);
      for (const s of policy.Statement) for (const r of s.Resource) assert.match(r, /^acs:oss:\*:\*:tenant-storage(\/13800138000\/\*)?$/);
    });

    it('when the signing secret is wrong, then STS refuses', async () => {
      const bad = new AliyunStsProvider({
        accessKeyId: 'LTAI5tStsTestKey',
        accessKeySecret: 'wrong',
        endpoint: stub.url,
        roleArn: 'acs:ram::1:role/x',
        bucket: 'tenant-storage',
        region: 'oss-cn-hangzhou',
      });
      await assert.rejects(bad.issue(issueInput), (err: any) => err.code === 'SignatureDoesNotMatch');
    });

    it('when a prefix lacks its trailing slash, then no policy is built (it would cover siblings)', () => {
      assert.throws(() => buildOssSessionPolicy('tenant-storage', '13800138000', false), /must end with/);
    });
  });

  describe('aliyun credentials used on OSS (STS and OSS stubs enforcing the session policy)', () => {
    let stsStub: StsStub;
    let oss: OssStub;
    let sts: AliyunStsProvider;
    const secrets = { LTAI5tPlatformKey: 'platform-secret-123456' };

    /** A tenant-side OSS client built from the credentials, as a tenant app would build it. */
    function clientFor(c: { accessKeyId: string; accessKeySecret: string; securityToken: string }) {
      return new OSS({
        accessKeyId: c.accessKeyId,
        accessKeySecret: c.accessKeySecret,
        stsToken: c.securityToken,
        refreshSTSToken: async () => ({ accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret, stsToken: c.securityToken }),
        bucket: 'tenant-storage',
        endpoint: oss.url,
        cname: true,
      });
    }
    const denied = (err: any) => err.status === 403 && err.code === 'AccessDenied';

    before(async () => {
      stsStub = await startStsStub(secrets);
      oss = await startOssStub('tenant-storage', secrets, stsStub.issued);
      sts = new AliyunStsProvider({
        accessKeyId: 'LTAI5tPlatformKey',
        accessKeySecret: secrets.LTAI5tPlatformKey,
        endpoint: stsStub.url,
        roleArn: 'acs:ram::1234567890:role/kg-oss-tenant',
        bucket: 'tenant-storage',
        region: 'oss-cn-hangzhou',
      });
      const platform = clientFor({ accessKeyId: 'LTAI5tPlatformKey', accessKeySecret: secrets.LTAI5tPlatformKey, securityToken: '' });
      await platform.put('138001380001/uploads/files/b.txt', Buffer.from('tenant B'));
    });
    after(async () => {
      await oss?.close();
      await stsStub?.close();
    });

    it("when tenant A's credentials are used, then A's prefix is open and B's (sharing A's digits) is not", async () => {
      const a = clientFor(await sts.issue(issueInput));
      await a.put('13800138000/uploads/images/a.png', Buffer.from('A'));
      assert.equal(String((await a.get('13800138000/uploads/images/a.png')).content), 'A');
      const listed = await a.list({ prefix: '13800138000/', 'max-keys': 100 }, {});
      assert.deepEqual(listed.objects.map((o) => o.name), ['13800138000/uploads/images/a.png']);
      await assert.rejects(a.get('138001380001/uploads/files/b.txt'), denied);
      await assert.rejects(a.put('138001380001/uploads/files/evil.txt', Buffer.from('x')), denied);
      await assert.rejects(a.delete('138001380001/uploads/files/b.txt'), denied);
      await assert.rejects(a.list({ prefix: '138001380001/', 'max-keys': 10 }, {}), denied);
      await assert.rejects(a.list({ prefix: '', 'max-keys': 10 }, {}), denied);
      assert.ok(oss.objects.has('138001380001/uploads/files/b.txt'));
    });

    it("when a viewer's read-only credentials are used, then reads and lists work and writes are denied", async () => {
      const v = clientFor(await sts.issue({ ...issueInput, readOnly: true }));
      assert.equal(String((await v.get('13800138000/uploads/images/a.png')).content), 'A');
      await v.list({ prefix: '13800138000/uploads/', 'max-keys': 10 }, {});
      await assert.rejects(v.put('13800138000/uploads/images/v.png', Buffer.from('x')), denied);
      await assert.rejects(v.delete('13800138000/uploads/images/a.png'), denied);
    });
  });

  describe('local', () => {
    const secret = 'local-sts-secret-0123456789';
    const sts = new LocalStsProvider({ signingSecret: secret, endpoint: 'http://localhost:4001/api/storage' });

    it('when credentials are issued, then they verify and state prefix, mode and expiry', async () => {
      const creds = await sts.issue({ ...issueInput, readOnly: true });
      const check = verifyLocalStsCredentials(secret, creds);
      assert.ok(check.ok);
      assert.equal(check.claims.allowedPrefix, '13800138000/');
      assert.equal(check.claims.readOnly, true);
      assert.equal(check.claims.tenantCode, 'k001');
      assert.equal(check.claims.expiresAt.toISOString(), new Date(creds.expiration).toISOString());
    });

    it('when a token is edited, paired with another key id, or signed elsewhere, then it is invalid', async () => {
      const creds = await sts.issue(issueInput);
      const [v, body, sig] = creds.securityToken.split('.');
      const payload = JSON.parse(Buffer.from(body, 'base64url').toString());
      const widened = Buffer.from(JSON.stringify({ ...payload, prefix: '1' })).toString('base64url');
      assert.deepEqual(verifyLocalStsCredentials(secret, { ...creds, securityToken: `${v}.${widened}.${sig}` }), { ok: false, reason: 'invalid' });
      const other = await sts.issue(issueInput);
      assert.deepEqual(verifyLocalStsCredentials(secret, { accessKeyId: other.accessKeyId, securityToken: creds.securityToken }), {
        ok: false,
        reason: 'invalid',
      });
      assert.deepEqual(verifyLocalStsCredentials('another-secret-xxxxxxxx', creds), { ok: false, reason: 'invalid' });
      assert.deepEqual(verifyLocalStsCredentials(secret, { accessKeyId: creds.accessKeyId }), { ok: false, reason: 'invalid' });
    });

    it('when credentials are issued under a sign-in, then they carry it and their issue moment; a token without one is invalid', async () => {
      const before = Date.now();
      const creds = await sts.issue({ ...issueInput, sessionId: 'sid-1' });
      const check = verifyLocalStsCredentials(secret, creds);
      assert.ok(check.ok);
      assert.equal(check.claims.sessionId, 'sid-1');
      assert.ok(check.claims.issuedAtMs >= before && check.claims.issuedAtMs <= Date.now());
      // A token from before issue moments were stated cannot be checked against revocations.
      const [v, body] = creds.securityToken.split('.');
      const { iat: _iat, ...payload } = JSON.parse(Buffer.from(body!, 'base64url').toString());
      const old = Buffer.from(JSON.stringify(payload)).toString('base64url');
      const sig = crypto.createHmac('sha256', secret).update(`sts-token\n${old}`).digest('base64url');
      assert.deepEqual(verifyLocalStsCredentials(secret, { ...creds, securityToken: `${v}.${old}.${sig}` }), { ok: false, reason: 'invalid' });
    });

    it('when the hour has passed, then the credentials are expired', async () => {
      const creds = await sts.issue(issueInput);
      assert.deepEqual(verifyLocalStsCredentials(secret, creds, new Date(Date.now() + 3601_000)), { ok: false, reason: 'expired' });
    });
  });
});

describe('provider settings', () => {
  const schema = z.object({ NODE_ENV: z.enum(['development', 'production', 'test']).default('development'), ...providerEnvSchema }).superRefine(checkProviderEnv);

  it('when nothing is set in development, then the local providers are chosen with a generated, persisted signing secret', () => {
    const s = parseEnv(schema, {});
    assert.equal(s.DNS_PROVIDER, 'local');
    assert.equal(s.STORAGE_PROVIDER, 'local');
    assert.equal(s.STS_PROVIDER, 'local');
    assert.equal(s.TENANT_INGRESS_IP, '127.0.0.1');
    assert.equal(s.DNS_TTL, 600);
    assert.ok(storageSigningSecret(s).length >= 32);
    assert.equal(storageSigningSecret(s), storageSigningSecret(parseEnv(schema, {})), 'stable per install');
    const p = createProviders(s, {} as never);
    assert.deepEqual([p.dns.name, p.storage.name, p.sts.name], ['local', 'local', 'local']);
  });

  it('when production has no signing secret, then start-up fails naming STORAGE_SIGNING_SECRET', () => {
    assert.throws(() => parseEnv(schema, { NODE_ENV: 'production' }), (e: unknown) => e instanceof ConfigError && /STORAGE_SIGNING_SECRET/.test(e.message));
    parseEnv(schema, { NODE_ENV: 'production', STORAGE_SIGNING_SECRET: 'a-long-enough-secret-value' });
  });

  it('when a cloud provider lacks its settings, then each missing variable is named', () => {
    assert.throws(
      () => parseEnv(schema, { STORAGE_PROVIDER: 'oss', STS_PROVIDER: 'aliyun' }),
      (e: unknown) =>
        e instanceof ConfigError &&
        ['ALIYUN_ACCESS_KEY_ID', 'ALIYUN_ACCESS_KEY_SECRET', 'OSS_BUCKET', 'ALIYUN_STS_ROLE_ARN'].every((v) => e.message.includes(v)),
    );
    assert.throws(() => parseEnv(schema, { STS_PROVIDER: 'aliyun', ALIYUN_ACCESS_KEY_ID: 'a', ALIYUN_ACCESS_KEY_SECRET: 'b', OSS_BUCKET: 'x', ALIYUN_STS_ROLE_ARN: 'r' }), /STS_PROVIDER/);
  });

  it('when the cloud settings are complete, then the Alibaba adapters are built', () => {
    const s = parseEnv(schema, {
      DNS_PROVIDER: 'aliyun',
      STORAGE_PROVIDER: 'oss',
      STS_PROVIDER: 'aliyun',
      ALIYUN_ACCESS_KEY_ID: 'LTAI5t',
      ALIYUN_ACCESS_KEY_SECRET: 'secret',
      ALIYUN_STS_ROLE_ARN: 'acs:ram::1:role/x',
      OSS_BUCKET: 'tenant-storage',
    });
    const p = createProviders(s, {} as never);
    assert.deepEqual([p.dns.name, p.storage.name, p.sts.name], ['aliyun', 'oss', 'aliyun']);
  });

  it('when @kg/shared is loaded, then no Alibaba Cloud SDK is (createProviders requires them only when selected)', () => {
    const script = `require('@kg/shared'); process.stdout.write(JSON.stringify(Object.keys(require.cache).filter((k) => /node_modules[\\\\/](@alicloud|ali-oss)[\\\\/]/.test(k))))`;
    const out = execFileSync(process.execPath, ['--conditions=development', '--import', 'tsx', '-e', script], { encoding: 'utf8' });
    assert.deepEqual(JSON.parse(out), []);
  });
});
