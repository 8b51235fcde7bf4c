import assert from 'node:assert/strict';
import type { RowDataPacket } from '@kg/shared';
import { http } from '@kg/shared/testing';
import { runCreateTenant } from '../src/cli/create-tenant.command';
import { uniquePhone, uniqueTenantCode } from './helpers/auth-fixtures';
import { startControlPlane, type TestControlPlane } from './helpers/harness';

describe('npm run tenant:create (the create API from the command line)', function () {
  this.timeout(60_000);
  let cp: TestControlPlane;
  let token: string;

  before(async () => {
    cp = await startControlPlane('tcli');
    token = await cp.superAdminToken();
  });
  after(async () => cp?.close());

  async function cli(...argv: string[]): Promise<{ status: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const status = await runCreateTenant(cp.ctx, argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { status, out: out.join('\n'), err: err.join('\n') };
  }

  async function inboxCode(phone: string): Promise<string> {
    const inbox = await http('GET', `${cp.url}/api/sms/dev-inbox?phone=${phone}`, { token });
    const entry = inbox.body.data.items.find((i: { purpose: string }) => i.purpose === 'tenant_create');
    assert.ok(entry, 'a tenant_create code in the dev inbox');
    return entry.code;
  }

  it('when the input is invalid, then it exits 2 naming the same fields with the same messages as the API', async () => {
    const body = { name: 'K', contactName: 'C', contactEmail: 'not-an-email', contactPhone: '123', tenantCode: 'K-1', planType: 'gold' };
    const api = await http('POST', `${cp.url}/api/tenant/create`, { token, body });
    assert.equal(api.status, 400);
    const expected = (api.body.error.details as Array<{ field: string; message: string }>).map((d) => `${d.field}: ${d.message}`);
    assert.ok(expected.length >= 5, expected.join('; '));
    const r = await cli('--name', 'K', '--contact-name', 'C', '--email', 'not-an-email', '--phone', '123', '--code', 'K-1', '--plan', 'gold');
    assert.equal(r.status, 2);
    const printed = r.err.split('\n').filter((l) => l.startsWith('  ')).map((l) => l.trim());
    assert.deepEqual(printed.sort(), [...expected].sort());
  });

  it('when a code is sent and then given, then the tenant is registered provisioning, its pipeline queued and the creation audited as the CLI user', async () => {
    const phone = uniquePhone();
    const sent = await cli('--phone', phone, '--send-code');
    assert.equal(sent.status, 0, sent.err);
    const tenantCode = uniqueTenantCode();
    const r = await cli(
      '--name', 'CLI Kindergarten', '--contact-name', 'Ms Li', '--email', 'li@example.com', '--phone', phone,
      '--sms-code', await inboxCode(phone), '--code', tenantCode, '--plan', 'standard',
    );
    assert.equal(r.status, 0, r.err);
    const created = JSON.parse(r.out.split('\n').at(-1)!);
    assert.equal(created.tenantCode, tenantCode);
    assert.equal(created.status, 'provisioning');
    const [[tenant]] = await cp.db.query<RowDataPacket[]>('SELECT status, plan_type, contact_phone FROM tenants WHERE tenant_id = ?', [tenantCode]);
    assert.deepEqual({ ...tenant }, { status: 'provisioning', plan_type: 'standard', contact_phone: phone });
    const [[audit]] = await cp.db.query<RowDataPacket[]>("SELECT actor_type, actor_name FROM audit_logs WHERE action = 'tenant.create' AND target_id = ?", [tenantCode]);
    assert.equal(audit!.actor_type, 'system');
    assert.match(String(audit!.actor_name), /^cli:/);
  });

  it('when the code is taken or the SMS code is wrong, then it exits 1 with the API error code and registers nothing', async () => {
    const [[taken]] = await cp.db.query<RowDataPacket[]>("SELECT tenant_id FROM tenants WHERE status = 'provisioning' LIMIT 1");
    const phone = uniquePhone();
    const args = ['--name', 'Again', '--contact-name', 'Mr Wu', '--email', 'wu@example.com', '--phone', phone, '--sms-code', '000000'];
    const conflict = await cli(...args, '--code', String(taken!.tenant_id));
    assert.equal(conflict.status, 1);
    assert.match(conflict.err, /TENANT_CONFLICT/);
    const wrongCode = await cli(...args, '--code', uniqueTenantCode());
    assert.equal(wrongCode.status, 1);
    assert.match(wrongCode.err, /SMS_CODE_INVALID/);
    const [[n]] = await cp.db.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM tenants WHERE contact_phone = ?', [phone]);
    assert.equal(Number(n!.n), 0);
  });
});
