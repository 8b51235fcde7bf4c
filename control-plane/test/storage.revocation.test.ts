import assert from 'node:assert/strict';
import { createProviders, publishTenantAccessChange, type Providers, type ResultSetHeader, type StsProvider } from '@kg/shared';
import { http } from '@kg/shared/testing';
import { startControlPlane, type TestControlPlane } from './helpers/harness';
import { createActiveTenant, startLifecycleWorld, type FixtureTenant, type LifecycleWorld } from './helpers/lifecycle-fixture';

interface Creds {
  accessKeyId: string;
  securityToken: string;
  allowedPrefix: string;
  readOnly: boolean;
  expiration: string;
}

/**
 * Local storage credentials stop working within a second of the tenant's suspension or deletion,
 * the user's unbinding or the end of their sign-in (docs/privileges.md, Storage credentials).
 */
describe('storage credentials: revoked within 1 s of suspension, deletion, unbinding', () => {
  let w: LifecycleWorld;
  let seq = 0;

  before(async () => {
    w = await startLifecycleWorld('stsrevoke');
  });
  after(async () => {
    await w?.close();
  });

  async function member(t: FixtureTenant, role = 'admin'): Promise<{ id: number; token: string }> {
    const phone = `1370000${String(++seq).padStart(4, '0')}`;
    const [res] = await w.cp.db.query<ResultSetHeader>(
      "INSERT INTO global_users (phone, password_hash, real_name, status) VALUES (?, 'x', 'member', 'active')",
      [phone],
    );
    await w.cp.db.query(
      "INSERT INTO global_user_tenant_relations (global_user_id, tenant_code, role_in_tenant, status) VALUES (?, ?, ?, 'active')",
      [res.insertId, t.code, role],
    );
    return { id: res.insertId, token: w.cp.ctx.tokens.signUser({ id: res.insertId, phone }).token };
  }

  async function credsFor(token: string, tenantCode: string): Promise<Creds> {
    const res = await http('POST', `${w.cp.url}/api/v1/oss/sts-token`, { token, headers: { 'x-tenant-code': tenantCode } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.data as Creds;
  }

  async function put(c: Creds, name: string): Promise<{ status: number; code?: string }> {
    const res = await fetch(`${w.cp.url}/api/storage/objects/${c.allowedPrefix}uploads/files/${name}`, {
      method: 'PUT',
      headers: { 'x-kg-access-key-id': c.accessKeyId, 'x-kg-security-token': c.securityToken },
      body: 'x',
    });
    const body = (await res.json()) as { error?: { code: string } };
    return { status: res.status, code: body.error?.code };
  }

  /** Milliseconds from now until a write with `c` is refused as revoked (fails after 3 s). */
  async function msUntilRefused(c: Creds, since: number): Promise<number> {
    for (let i = 0; Date.now() - since < 3000; i++) {
      const res = await put(c, `probe-${i}.txt`);
      if (res.status === 403) {
        assert.equal(res.code, 'STORAGE_CREDENTIALS_REVOKED');
        return Date.now() - since;
      }
      assert.equal(res.status, 200);
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('the credentials still worked 3 s later');
  }

  it('when the tenant is suspended, then its credentials are refused within 1 s, and no new ones are issued', async () => {
    const t = await createActiveTenant(w, 'k301');
    const alice = await member(t);
    const c = await credsFor(alice.token, t.code);
    assert.equal((await put(c, 'before.txt')).status, 200);
    assert.equal((await put(c, 'cached.txt')).status, 200);

    const since = Date.now();
    const res = await http('POST', `${w.cp.url}/api/tenants/${t.code}/suspend`, { token: w.tokens.admin });
    assert.equal(res.status, 200);
    assert.ok((await msUntilRefused(c, since)) < 1000);
    const again = await http('POST', `${w.cp.url}/api/v1/oss/sts-token`, { token: alice.token, headers: { 'x-tenant-code': t.code } });
    assert.equal(again.status, 403);
    assert.equal(again.body.error.code, 'TENANT_SUSPENDED');

    // Re-activated: the same credentials work again only because the tenant is active again.
    assert.equal((await http('POST', `${w.cp.url}/api/tenants/${t.code}/activate`, { token: w.tokens.admin })).status, 200);
    const until = Date.now() + 1000;
    let status = 0;
    while (Date.now() < until && (status = (await put(c, 'after.txt')).status) !== 200) await new Promise((r) => setTimeout(r, 10));
    assert.equal(status, 200);
  });

  it('when the tenant is deleted, then its credentials are refused within 1 s, and new ones are 410', async () => {
    const t = await createActiveTenant(w, 'k302');
    const bob = await member(t);
    const c = await credsFor(bob.token, t.code);
    assert.equal((await put(c, 'before.txt')).status, 200);

    const since = Date.now();
    const res = await http('DELETE', `${w.cp.url}/api/tenant/${t.code}`, { token: w.tokens.admin });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.ok((await msUntilRefused(c, since)) < 1000);
    const again = await http('POST', `${w.cp.url}/api/v1/oss/sts-token`, { token: bob.token, headers: { 'x-tenant-code': t.code } });
    assert.equal(again.status, 410);
  });

  it("when the user is unbound, then only that user's credentials are refused within 1 s", async () => {
    const t = await createActiveTenant(w, 'k303');
    const [carol, dave] = [await member(t), await member(t)];
    const [cc, dc] = [await credsFor(carol.token, t.code), await credsFor(dave.token, t.code)];
    assert.equal((await put(cc, 'c.txt')).status, 200);
    assert.equal((await put(dc, 'd.txt')).status, 200);

    // What an unbinding does: the binding stops being active, and the change is announced.
    const since = Date.now();
    await w.cp.db.query("UPDATE global_user_tenant_relations SET status = 'disabled' WHERE global_user_id = ? AND tenant_code = ?", [
      carol.id,
      t.code,
    ]);
    await publishTenantAccessChange(w.cp.ctx.redis, w.cp.config.REDIS_KEY_PREFIX, t.code, carol.id);
    assert.ok((await msUntilRefused(cc, since)) < 1000);
    assert.equal((await put(dc, 'd2.txt')).status, 200);
    const again = await http('POST', `${w.cp.url}/api/v1/oss/sts-token`, { token: carol.token, headers: { 'x-tenant-code': t.code } });
    assert.equal(again.status, 403);
  });

  it("when a writer becomes a viewer, then the writer's read-write credentials are refused within 1 s", async () => {
    const t = await createActiveTenant(w, 'k304');
    const erin = await member(t, 'teacher');
    const c = await credsFor(erin.token, t.code);
    assert.equal(c.readOnly, false);
    const since = Date.now();
    await w.cp.db.query("UPDATE global_user_tenant_relations SET role_in_tenant = 'viewer' WHERE global_user_id = ? AND tenant_code = ?", [
      erin.id,
      t.code,
    ]);
    await publishTenantAccessChange(w.cp.ctx.redis, w.cp.config.REDIS_KEY_PREFIX, t.code, erin.id);
    assert.ok((await msUntilRefused(c, since)) < 1000);
  });

  it('when the user signs out everywhere, then credentials issued under their earlier sign-ins are refused at once', async () => {
    const t = await createActiveTenant(w, 'k305');
    const fay = await member(t);
    const c = await credsFor(fay.token, t.code);
    assert.equal((await put(c, 'f.txt')).status, 200);
    const since = Date.now();
    assert.equal((await http('POST', `${w.cp.url}/api/auth/logout`, { token: fay.token, body: {} })).status, 200);
    assert.ok((await msUntilRefused(c, since)) < 1000);
  });

  it('when nothing is announced, then a steady stream of requests is answered from memory (no new control-DB read)', async () => {
    const t = await createActiveTenant(w, 'k306');
    const gus = await member(t);
    const c = await credsFor(gus.token, t.code);
    assert.equal((await put(c, 'g0.txt')).status, 200);
    // Changed behind the control plane's back (no announcement): the remembered answer stands
    // until STORAGE_ACCESS_CACHE_TTL_MS, which shows that requests do not read the database.
    await w.cp.db.query("UPDATE global_user_tenant_relations SET status = 'disabled' WHERE global_user_id = ? AND tenant_code = ?", [
      gus.id,
      t.code,
    ]);
    for (let i = 1; i <= 5; i++) assert.equal((await put(c, `g${i}.txt`)).status, 200);
    w.cp.ctx.storageAccess.drop(t.code);
    assert.equal((await put(c, 'g6.txt')).status, 403);
  });
});

describe('storage credentials: cloud STS, which only expiry ends', () => {
  let cp: TestControlPlane;
  const issued: Array<{ durationSeconds: number; sessionId?: string }> = [];

  before(async () => {
    cp = await startControlPlane('stscloud');
    // A provider whose credentials the platform cannot check per request, like Alibaba Cloud STS.
    const cloud: StsProvider = {
      name: 'cloud-like',
      revocable: false,
      minDurationSeconds: 900,
      async issue(input) {
        issued.push({ durationSeconds: input.durationSeconds, sessionId: input.sessionId });
        const expiration = new Date(Date.now() + input.durationSeconds * 1000).toISOString();
        return { accessKeyId: 'STS.x', accessKeySecret: 's', securityToken: 't', expiration, bucket: 'b', allowedPrefix: input.prefix, readOnly: input.readOnly };
      },
    };
    (cp.ctx as unknown as { providers: Pick<Providers, 'storage' | 'sts'> }).providers = { storage: createProviders(cp.config, cp.db).storage, sts: cloud };
  });
  after(async () => {
    await cp?.close();
  });

  it("when credentials are issued, then for the provider's shortest duration (not STS_DURATION_SECONDS), and none for a suspended tenant", async () => {
    for (const [code, status] of [['k311', 'active'], ['k312', 'suspended']]) {
      await cp.db.query('INSERT INTO tenants (tenant_id, name, domain, database_name, status, oss_prefix) VALUES (?, ?, ?, ?, ?, ?)', [
        code,
        code,
        `${code}.localhost`,
        `rent${code.slice(1)}`,
        status,
        `1360000${code.slice(1)}/`,
      ]);
    }
    const [user] = await cp.db.query<ResultSetHeader>(
      "INSERT INTO global_users (phone, password_hash, real_name, status) VALUES ('13600000001', 'x', 'u', 'active')",
    );
    for (const code of ['k311', 'k312']) {
      await cp.db.query(
        "INSERT INTO global_user_tenant_relations (global_user_id, tenant_code, role_in_tenant, status) VALUES (?, ?, 'admin', 'active')",
        [user.insertId, code],
      );
    }
    const token = cp.ctx.tokens.signUser({ id: user.insertId, phone: '13600000001' }).token;
    const ok = await http('POST', `${cp.url}/api/v1/oss/sts-token`, { token, headers: { 'x-tenant-code': 'k311' } });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(cp.config.STS_DURATION_SECONDS, 3600);
    assert.equal(issued.length, 1);
    assert.equal(issued[0]!.durationSeconds, 900);
    assert.ok(Math.abs(new Date(ok.body.data.expiration).getTime() - Date.now() - 900_000) < 5000);
    const refused = await http('POST', `${cp.url}/api/v1/oss/sts-token`, { token, headers: { 'x-tenant-code': 'k312' } });
    assert.equal(refused.status, 403);
    assert.equal(issued.length, 1);
  });
});
