import assert from 'node:assert/strict';
import { Redis, tenantStatusChannel, type RowDataPacket, type TenantStatusMessage } from '@kg/shared';
import { http } from '@kg/shared/testing';
import {
  countRows,
  createActiveTenant,
  listKeys,
  startLifecycleWorld,
  type FixtureTenant,
  type LifecycleWorld,
} from './helpers/lifecycle-fixture';

/** Collects messages of the tenant status channel, as a tenant-app instance would receive them. */
async function subscribe(w: LifecycleWorld) {
  const sub = new Redis(w.cp.config.REDIS_URL);
  const messages: TenantStatusMessage[] = [];
  sub.on('message', (_ch, msg) => messages.push(JSON.parse(msg)));
  await sub.subscribe(tenantStatusChannel(w.cp.config.REDIS_KEY_PREFIX));
  return {
    messages,
    async waitFor(code: string, status: string, timeoutMs = 1000) {
      const until = Date.now() + timeoutMs;
      while (Date.now() < until) {
        if (messages.some((m) => m.tenantCode === code && m.status === status)) return;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(`no ${status} message for ${code} within ${timeoutMs} ms: ${JSON.stringify(messages)}`);
    },
    close: () => sub.disconnect(),
  };
}

async function tenantRow(w: LifecycleWorld, code: string): Promise<RowDataPacket> {
  const [[row]] = await w.cp.db.query<RowDataPacket[]>('SELECT * FROM tenants WHERE tenant_id = ?', [code]);
  return row!;
}

async function auditActions(w: LifecycleWorld, code: string): Promise<string[]> {
  const [rows] = await w.cp.db.query<RowDataPacket[]>('SELECT action FROM audit_logs WHERE tenant_code = ? ORDER BY id', [code]);
  return rows.map((r) => String(r.action));
}

describe('tenant lifecycle API: suspend, activate, delete, restore, cleanup queue', () => {
  let w: LifecycleWorld;
  let sub: Awaited<ReturnType<typeof subscribe>>;
  before(async () => {
    w = await startLifecycleWorld('lifecycle');
    sub = await subscribe(w);
  });
  after(async () => {
    sub?.close();
    await w?.close();
  });

  describe('suspend and activate', () => {
    let t: FixtureTenant;
    before(async () => {
      t = await createActiveTenant(w, 'k101');
    });

    it('when an admin suspends an active tenant, then it is suspended, announced on the channel at once and audited', async () => {
      const res = await http('POST', `${w.cp.url}/api/tenants/${t.code}/suspend`, { token: w.tokens.admin });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(res.body.data, { tenantCode: t.code, previousStatus: 'active', status: 'suspended' });
      await sub.waitFor(t.code, 'suspended');
      assert.equal((await tenantRow(w, t.code)).status, 'suspended');
      assert.deepEqual(await auditActions(w, t.code), ['tenant.suspend']);
    });

    it('when a suspended tenant is suspended again, then 409 and nothing changes', async () => {
      const res = await http('POST', `${w.cp.url}/api/tenants/${t.code}/suspend`, { token: w.tokens.admin });
      assert.equal(res.status, 409);
      assert.equal(res.body.error.code, 'TENANT_CONFLICT');
    });

    it('when an admin activates the suspended tenant, then it is active again and announced', async () => {
      const res = await http('POST', `${w.cp.url}/api/tenants/${t.code}/activate`, { token: w.tokens.admin });
      assert.equal(res.status, 200);
      assert.equal(res.body.data.status, 'active');
      await sub.waitFor(t.code, 'active');
      assert.deepEqual(await auditActions(w, t.code), ['tenant.suspend', 'tenant.activate']);
    });

    it('when an operator (below admin) or nobody tries, then 403 / 401; an unknown tenant is 404', async () => {
      assert.equal((await http('POST', `${w.cp.url}/api/tenants/${t.code}/suspend`, { token: w.tokens.operator })).status, 403);
      assert.equal((await http('POST', `${w.cp.url}/api/tenants/${t.code}/suspend`)).status, 401);
      const missing = await http('POST', `${w.cp.url}/api/tenants/k999/suspend`, { token: w.tokens.admin });
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error.code, 'TENANT_NOT_FOUND');
    });

    it('when a provisioning tenant is activated, then 409 (only the pipeline makes it active)', async () => {
      await createActiveTenant(w, 'k102', { status: 'provisioning' });
      const res = await http('POST', `${w.cp.url}/api/tenants/k102/activate`, { token: w.tokens.admin });
      assert.equal(res.status, 409);
    });
  });

  describe('delete and restore', () => {
    let t: FixtureTenant;
    before(async () => {
      t = await createActiveTenant(w, 'k201');
    });

    it('when an admin deletes a tenant, then its DNS record is gone at once and its database, files and rows all remain', async () => {
      assert.ok(await w.providers.dns.findRecord(t.code, w.cp.config.BASE_DOMAIN));
      const res = await http('DELETE', `${w.cp.url}/api/tenant/${t.code}`, { token: w.tokens.admin });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.data.status, 'deleted');
      assert.equal(res.body.data.dnsRecordRemoved, true);
      assert.equal(res.body.data.graceDays, 30);
      const due = new Date(res.body.data.scheduledDeletionAt).getTime() - new Date(res.body.data.deletedAt).getTime();
      assert.equal(Math.round(due / 86_400_000), 30);

      assert.equal(await w.providers.dns.findRecord(t.code, w.cp.config.BASE_DOMAIN), null);
      assert.equal(await countRows(t.databaseName, 'students'), 3);
      assert.equal(await countRows(t.databaseName, 'classes'), 2);
      const keys = await listKeys(w, t.prefix);
      for (const f of t.files) assert.ok(keys.includes(f), `${f} still stored`);

      const row = await tenantRow(w, t.code);
      assert.equal(row.status, 'deleted');
      assert.ok(row.deleted_at);
      assert.equal(row.dns_record_id, null);
      await sub.waitFor(t.code, 'deleted');
    });

    it('then one pending cleanup row per resource is due at the purge date, and the deletion is audited', async () => {
      const [rows] = await w.cp.db.query<RowDataPacket[]>(
        'SELECT * FROM tenant_resource_cleanup WHERE tenant_code = ? ORDER BY id',
        [t.code],
      );
      const row = await tenantRow(w, t.code);
      assert.deepEqual(
        rows.map((r) => [r.resource_type, r.status]),
        [
          ['database', 'pending'],
          ['oss', 'pending'],
          ['subdomain', 'pending'],
        ],
      );
      assert.equal(rows[0]!.resource_name, t.databaseName);
      assert.ok(rows[0]!.db_server_id);
      assert.equal(rows[1]!.oss_path, t.prefix);
      assert.equal(rows[2]!.resource_name, `${t.code}.${w.cp.config.BASE_DOMAIN}`);
      for (const r of rows) assert.equal((r.scheduled_deletion_at as Date).getTime(), (row.scheduled_deletion_at as Date).getTime());
      assert.ok((await auditActions(w, t.code)).includes('tenant.delete'));
    });

    it('when the deleted tenant is deleted or suspended again, then 409', async () => {
      assert.equal((await http('DELETE', `${w.cp.url}/api/tenant/${t.code}`, { token: w.tokens.admin })).status, 409);
      assert.equal((await http('POST', `${w.cp.url}/api/tenants/${t.code}/suspend`, { token: w.tokens.admin })).status, 409);
    });

    it('when an operator lists the cleanup queue, then the rows show with days left, filterable by tenant and due window', async () => {
      const res = await http('GET', `${w.cp.url}/api/cleanup?tenantCode=${t.code}`, { token: w.tokens.operator });
      assert.equal(res.status, 200);
      assert.equal(res.body.data.total, 3);
      for (const item of res.body.data.items) {
        assert.equal(item.tenantCode, t.code);
        assert.ok(item.daysLeft === 30 || item.daysLeft === 29, `daysLeft ${item.daysLeft}`);
        assert.equal(item.tenantStatus, 'deleted');
      }
      const soon = await http('GET', `${w.cp.url}/api/cleanup?tenantCode=${t.code}&dueWithinDays=7`, { token: w.tokens.operator });
      assert.equal(soon.body.data.total, 0);
      const later = await http('GET', `${w.cp.url}/api/cleanup?dueWithinDays=31`, { token: w.tokens.operator });
      assert.ok(later.body.data.items.some((i: { tenantCode: string }) => i.tenantCode === t.code));
      const bad = await http('GET', `${w.cp.url}/api/cleanup?status=bogus`, { token: w.tokens.operator });
      assert.equal(bad.status, 400);
    });

    it('when an admin restores it within the grace period, then it is active with every row and file, a new DNS record and cancelled cleanup', async () => {
      const res = await http('POST', `${w.cp.url}/api/tenants/${t.code}/restore`, { token: w.tokens.admin });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.data.status, 'active');
      assert.equal(res.body.data.cancelledCleanupIds.length, 3);
      const record = await w.providers.dns.findRecord(t.code, w.cp.config.BASE_DOMAIN);
      assert.ok(record);
      assert.equal(record.value, '127.0.0.1');
      const row = await tenantRow(w, t.code);
      assert.equal(row.status, 'active');
      assert.equal(row.dns_record_id, record.recordId);
      assert.equal(row.scheduled_deletion_at, null);
      assert.equal(await countRows(t.databaseName, 'students'), 3);
      assert.deepEqual((await listKeys(w, t.prefix)).filter((k) => !k.endsWith('.keep')).sort(), [...t.files].sort());
      const [rows] = await w.cp.db.query<RowDataPacket[]>('SELECT status FROM tenant_resource_cleanup WHERE tenant_code = ?', [t.code]);
      assert.deepEqual(rows.map((r) => r.status), ['cancelled', 'cancelled', 'cancelled']);
      await sub.waitFor(t.code, 'active');
      assert.ok((await auditActions(w, t.code)).includes('tenant.restore'));
      const pending = await http('GET', `${w.cp.url}/api/cleanup?tenantCode=${t.code}`, { token: w.tokens.operator });
      assert.equal(pending.body.data.total, 0);
    });

    it('when an active tenant is restored, then 409', async () => {
      const res = await http('POST', `${w.cp.url}/api/tenants/${t.code}/restore`, { token: w.tokens.admin });
      assert.equal(res.status, 409);
    });

    it('when the grace period is over, then restore answers 410 and the tenant stays deleted', async () => {
      const t2 = await createActiveTenant(w, 'k202');
      assert.equal((await http('DELETE', `${w.cp.url}/api/tenant/${t2.code}`, { token: w.tokens.admin })).status, 200);
      await w.cp.db.query('UPDATE tenants SET scheduled_deletion_at = NOW(3) - INTERVAL 1 SECOND WHERE tenant_id = ?', [t2.code]);
      const res = await http('POST', `${w.cp.url}/api/tenants/${t2.code}/restore`, { token: w.tokens.admin });
      assert.equal(res.status, 410);
      assert.equal((await tenantRow(w, t2.code)).status, 'deleted');
      assert.equal(await w.providers.dns.findRecord(t2.code, w.cp.config.BASE_DOMAIN), null);
    });

    it('when an operator (not admin) deletes or restores, then 403', async () => {
      assert.equal((await http('DELETE', `${w.cp.url}/api/tenant/${t.code}`, { token: w.tokens.operator })).status, 403);
      assert.equal((await http('POST', `${w.cp.url}/api/tenants/${t.code}/restore`, { token: w.tokens.operator })).status, 403);
    });
  });

  describe('cancelling a cleanup entry', () => {
    it('when an admin cancels a pending entry, then it is cancelled, logged and audited; a second cancel is 409', async () => {
      const t = await createActiveTenant(w, 'k301');
      const del = await http('DELETE', `${w.cp.url}/api/tenant/${t.code}`, { token: w.tokens.admin });
      const storageId = del.body.data.cleanup.find((c: { resourceType: string }) => c.resourceType === 'oss').id;
      assert.equal((await http('DELETE', `${w.cp.url}/api/cleanup/${storageId}`, { token: w.tokens.operator })).status, 403);
      const res = await http('DELETE', `${w.cp.url}/api/cleanup/${storageId}`, { token: w.tokens.admin });
      assert.equal(res.status, 200);
      assert.equal(res.body.data.status, 'cancelled');
      const again = await http('DELETE', `${w.cp.url}/api/cleanup/${storageId}`, { token: w.tokens.admin });
      assert.equal(again.status, 409);
      assert.equal((await http('DELETE', `${w.cp.url}/api/cleanup/999999`, { token: w.tokens.admin })).status, 404);
      const [logs] = await w.cp.db.query<RowDataPacket[]>(
        "SELECT status FROM tenant_cleanup_logs WHERE cleanup_id = ? AND action = 'cancel'",
        [storageId],
      );
      assert.equal(logs.length, 1);
      const [audit] = await w.cp.db.query<RowDataPacket[]>(
        "SELECT target_id FROM audit_logs WHERE action = 'cleanup.cancel' AND tenant_code = ?",
        [t.code],
      );
      assert.deepEqual(audit.map((a) => String(a.target_id)), [String(storageId)]);
      const list = await http('GET', `${w.cp.url}/api/cleanup?tenantCode=${t.code}`, { token: w.tokens.operator });
      assert.equal(list.body.data.total, 2);
    });
  });
});
