import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Redis } from 'ioredis';
import { tenantStatusChannel } from '@kg/shared';
import { http, testRedisUrl } from '@kg/shared/testing';
import { uniquePhone } from '../../control-plane/test/helpers/auth-fixtures';
import { startControlPlane, type TestControlPlane } from '../../control-plane/test/helpers/harness';
import { insertTenant } from '../../control-plane/test/helpers/operator-fixtures';
import { nextTenantCode } from '../../control-plane/src/modules/tenants/tenant.repository';
import { checkTenantIdentifiers } from '../../control-plane/src/modules/tenants/tenant-identifiers';
import { tenantFromHost } from '../../tenant-app/src/http/middleware/tenant';

/*
 * Findings 5 and 7 of issue #9: an upper-case code suspended the row but announced a code the
 * tenant app never cached; a 63-digit code answered 500 after the SMS code was spent; one
 * 31-digit row made every automatic allocation collide (floating point) and answer 500.
 */
describe('security: tenant codes (issue #9 findings 5, 7)', () => {
  let cp: TestControlPlane;
  let admin: string;
  before(async () => {
    cp = await startControlPlane('secids');
    admin = await cp.superAdminToken();
  });
  after(async () => {
    await cp?.close();
  });

  async function smsCode(phone: string): Promise<string> {
    await http('POST', `${cp.url}/api/sms/send-code`, { body: { phone, purpose: 'tenant_create' } });
    const inbox = await http('GET', `${cp.url}/api/sms/dev-inbox?phone=${phone}`, { token: admin });
    return inbox.body.data.items[0].code;
  }
  const createBody = async (extra: Record<string, unknown>) => {
    const phone = uniquePhone();
    return {
      name: 'Kindergarten',
      contactName: 'Zhang',
      contactEmail: 'z@example.com',
      contactPhone: phone,
      smsVerificationCode: await smsCode(phone),
      ...extra,
    };
  };
  const unspent = async (phone: string) => {
    const [rows] = await cp.db.query<any[]>('SELECT consumed_at FROM sms_verification_codes WHERE phone = ? ORDER BY id DESC LIMIT 1', [phone]);
    return rows[0].consumed_at === null;
  };

  it('when an upper-case code is suspended or deleted, then the row is found and the announcement carries the code as stored', async () => {
    await insertTenant(cp, { code: 'k73226' });
    const sub = new Redis(testRedisUrl());
    const heard: string[] = [];
    try {
      await sub.subscribe(tenantStatusChannel(cp.config.REDIS_KEY_PREFIX));
      sub.on('message', (_ch, msg) => heard.push(JSON.parse(msg).tenantCode));
      const suspended = await http('POST', `${cp.url}/api/tenants/K73226/suspend`, { token: admin });
      assert.equal(suspended.status, 200, JSON.stringify(suspended.body));
      assert.equal(suspended.body.data.tenantCode, 'k73226');
      const deleted = await http('DELETE', `${cp.url}/api/tenant/%20K73226%20`, { token: admin });
      assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
      const until = Date.now() + 2000;
      while (heard.length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(heard, ['k73226', 'k73226']);
    } finally {
      sub.disconnect();
    }
  });

  it('when a code is too long, has no digits or names no tenant shape, then 400 at every entry before anything happens', async () => {
    const long = `k${'1'.repeat(62)}`;
    for (const code of [long, 'k1234567890', 'k12', "k001' OR '1'='1"]) {
      for (const [method, url] of [
        ['GET', `/api/tenants/${encodeURIComponent(code)}`],
        ['POST', `/api/tenants/${encodeURIComponent(code)}/suspend`],
        ['DELETE', `/api/tenant/${encodeURIComponent(code)}`],
        ['GET', `/api/tenants/${encodeURIComponent(code)}/progress`],
      ] as const) {
        const res = await http(method, `${cp.url}${url}`, { token: admin });
        assert.equal(res.status, 400, `${method} ${url}: ${res.status}`);
      }
    }
    const sts = await http('POST', `${cp.url}/api/v1/oss/sts-token`, {
      token: cp.ctx.tokens.signUser({ id: 1, phone: '13800000000' }).token,
      headers: { 'x-tenant-code': long },
    });
    assert.equal(sts.status, 400);
    assert.equal(tenantFromHost(`${long}.kg.test`, 'kg.test'), undefined);
    assert.equal(tenantFromHost('K0201.KG.Test:3000', 'kg.test'), 'k0201');
  });

  it('when a create names a 63-digit code, then 400 and the SMS code is not spent', async () => {
    const body = await createBody({ tenantCode: `k${'9'.repeat(62)}` });
    const res = await http('POST', `${cp.url}/api/tenant/create`, { token: admin, body });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.details[0].field, 'tenantCode');
    assert.equal(await unspent(String(body.contactPhone)), true);
  });

  it('when a create names an upper-case code, then it is created lower-case', async () => {
    const res = await http('POST', `${cp.url}/api/tenant/create`, { token: admin, body: await createBody({ tenantCode: 'K7401' }) });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(res.body.data.tenantCode, 'k7401');
    assert.equal(res.body.data.domain, 'k7401.localhost');
  });

  it('when rows with a 31-digit, an 11-digit and an upper-case code exist, then allocation ignores them and the check command names them', async () => {
    for (const code of ['k1234567890123456789012345678901', 'k12345678901', 'K99999']) {
      await cp.db.query("INSERT INTO tenants (tenant_id, name, domain, database_name, status) VALUES (?, 'bad', ?, ?, 'active')", [
        code,
        `${code}.localhost`,
        `rent${code.slice(1)}`,
      ]);
    }
    await insertTenant(cp, { code: 'k90000' }); // the highest valid code in this database
    assert.equal(await nextTenantCode(cp.db), 'k90001');
    const res = await http('POST', `${cp.url}/api/tenant/create`, { token: admin, body: await createBody({}) });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(res.body.data.tenantCode, 'k90001');
    const again = await http('POST', `${cp.url}/api/tenant/create`, { token: admin, body: await createBody({}) });
    assert.equal(again.body.data.tenantCode, 'k90002');

    const report = await checkTenantIdentifiers(cp.db, cp.config);
    assert.deepEqual(report.violations.map((v) => v.tenantCode).sort(), ['K99999', 'k12345678901', 'k1234567890123456789012345678901']);
    // The command itself, as an operator runs it (compiled by `npx tsc -b`).
    const cli = spawnSync(process.execPath, [path.join(__dirname, '../../control-plane/dist/cli/check-tenants.js')], {
      env: {
        ...process.env,
        KG_SKIP_DOTENV: '1',
        NODE_ENV: 'test',
        CONTROL_DB_NAME: cp.config.CONTROL_DB_NAME,
        MYSQL_HOST: cp.config.MYSQL_HOST,
        MYSQL_PORT: String(cp.config.MYSQL_PORT),
        MYSQL_USER: cp.config.MYSQL_USER,
        MYSQL_PASSWORD: cp.config.MYSQL_PASSWORD ?? '',
        MASTER_KEY: cp.config.MASTER_KEY,
      },
      encoding: 'utf8',
    });
    assert.equal(cli.status, 1, cli.stderr);
    assert.match(cli.stdout, /3 of \d+ tenant row\(s\) break the identifier rules/);
    assert.match(cli.stdout, /"k1234567890123456789012345678901" \(active\): code has 31 digits/);
    assert.match(cli.stdout, /"K99999" \(active\): code is not in lower case/);
  });
});
