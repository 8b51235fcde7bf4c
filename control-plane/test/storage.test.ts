import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import nodeHttp from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { signDownloadUrl } from '@kg/shared';
import { http } from '@kg/shared/testing';
import { storageProviders } from '../src/modules/storage/storage.providers';
import { startControlPlane, type TestControlPlane } from './helpers/harness';

const A_PREFIX = '13800138000/';
/** Shares A's digits plus one: a naive startsWith("13800138000") check would let A in. */
const B_PREFIX = '138001380001/';

interface Creds {
  accessKeyId: string;
  securityToken: string;
  allowedPrefix: string;
  readOnly: boolean;
  expiration: string;
}

describe('storage: STS credentials and the local storage endpoints', () => {
  let cp: TestControlPlane;
  let root: string;
  const users = { alice: 0, bob: 0, vera: 0, dora: 0 };

  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'kg-cp-storage-'));
    cp = await startControlPlane('storage', { STORAGE_LOCAL_ROOT: root, STORAGE_MAX_UPLOAD_BYTES: '4096' });
    const tenants: Array<[string, string, string | null]> = [
      ['k801', 'active', A_PREFIX],
      ['k802', 'active', B_PREFIX],
      ['k803', 'suspended', '13700137000/'],
      ['k804', 'deleted', '13600136000/'],
      ['k805', 'active', null],
    ];
    for (const [code, status, prefix] of tenants) {
      await cp.db.query(
        'INSERT INTO tenants (tenant_id, name, domain, database_name, status, oss_prefix) VALUES (?, ?, ?, ?, ?, ?)',
        [code, `幼儿园 ${code}`, `${code}.localhost`, `rent${code.slice(1)}`, status, prefix],
      );
    }
    for (const [name, phone] of [
      ['alice', '13800138000'],
      ['bob', '13800138001'],
      ['vera', '13800138002'],
      ['dora', '13800138003'],
    ] as const) {
      const [res] = await cp.db.query<any>(
        "INSERT INTO global_users (phone, password_hash, real_name, status) VALUES (?, 'x', ?, 'active')",
        [phone, name],
      );
      users[name] = res.insertId;
    }
    const relations: Array<[number, string, string, string]> = [
      [users.alice, 'k801', 'admin', 'active'],
      [users.alice, 'k803', 'admin', 'active'],
      [users.alice, 'k804', 'admin', 'active'],
      [users.alice, 'k805', 'admin', 'active'],
      [users.bob, 'k802', 'admin', 'active'],
      [users.vera, 'k801', 'viewer', 'active'],
      [users.dora, 'k801', 'teacher', 'disabled'],
    ];
    for (const [uid, code, role, status] of relations) {
      await cp.db.query(
        'INSERT INTO global_user_tenant_relations (global_user_id, tenant_code, role_in_tenant, status) VALUES (?, ?, ?, ?)',
        [uid, code, role, status],
      );
    }
  });
  after(async () => {
    await cp?.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  function userToken(name: keyof typeof users, tenant?: string, role?: string): string {
    return cp.ctx.tokens.signUser({ id: users[name], phone: `1380013800${Object.keys(users).indexOf(name)}`, tenant, role }).token;
  }

  async function stsToken(token: string, tenantCode?: string) {
    return http('POST', `${cp.url}/api/v1/oss/sts-token`, { token, headers: tenantCode ? { 'x-tenant-code': tenantCode } : {} });
  }

  async function credsFor(name: keyof typeof users, tenantCode: string): Promise<Creds> {
    const res = await stsToken(userToken(name), tenantCode);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.data as Creds;
  }

  function auth(c: Pick<Creds, 'accessKeyId' | 'securityToken'>): Record<string, string> {
    return { 'x-kg-access-key-id': c.accessKeyId, 'x-kg-security-token': c.securityToken };
  }

  async function put(c: Creds, key: string, body: string | Buffer, contentType = 'application/octet-stream') {
    const res = await fetch(`${cp.url}/api/storage/objects/${key}`, {
      method: 'PUT',
      headers: { ...auth(c), 'content-type': contentType },
      body,
    });
    return { status: res.status, body: (await res.json()) as any };
  }

  async function get(c: Creds, key: string) {
    const res = await fetch(`${cp.url}/api/storage/objects/${key}`, { headers: auth(c) });
    const buf = Buffer.from(await res.arrayBuffer());
    return { status: res.status, buf, json: () => JSON.parse(buf.toString()) };
  }

  describe('POST /api/v1/oss/sts-token', () => {
    it("when a member of tenant A asks with X-Tenant-Code, then credentials cover A's prefix only, for 1 h", async () => {
      const res = await stsToken(userToken('alice'), 'k801');
      assert.equal(res.status, 200);
      const c = res.body.data;
      assert.equal(c.allowedPrefix, A_PREFIX);
      assert.equal(c.readOnly, false);
      assert.equal(c.bucket, 'local');
      assert.match(c.endpoint, /\/api\/storage$/);
      assert.ok(c.accessKeyId && c.accessKeySecret && c.securityToken);
      assert.ok(Math.abs(new Date(c.expiration).getTime() - Date.now() - 3600_000) < 5000);
    });

    it('when the token is tenant-scoped, then its tenant is used and the header cannot switch it', async () => {
      const scoped = userToken('alice', 'k801', 'admin');
      const res = await stsToken(scoped);
      assert.equal(res.status, 200);
      assert.equal(res.body.data.allowedPrefix, A_PREFIX);
      const other = await stsToken(scoped, 'k802');
      assert.equal(other.status, 403);
      assert.equal(other.body.error.code, 'NOT_BOUND_TO_TENANT');
    });

    it("when a user not bound to tenant B names B in X-Tenant-Code, then 403 (and B's existence is not revealed)", async () => {
      const res = await stsToken(userToken('alice'), 'k802');
      assert.equal(res.status, 403);
      assert.equal(res.body.error.code, 'NOT_BOUND_TO_TENANT');
      const unknown = await stsToken(userToken('alice'), 'k999');
      assert.equal(unknown.status, 403);
      assert.equal(unknown.body.error.code, 'NOT_BOUND_TO_TENANT');
    });

    it('when the relation is disabled, then 403', async () => {
      assert.equal((await stsToken(userToken('dora'), 'k801')).status, 403);
    });

    it('when the tenant is suspended, deleted or has no prefix yet, then 403, 410, 409', async () => {
      const suspended = await stsToken(userToken('alice'), 'k803');
      assert.equal(suspended.status, 403);
      assert.equal(suspended.body.error.code, 'TENANT_SUSPENDED');
      const deleted = await stsToken(userToken('alice'), 'k804');
      assert.equal(deleted.status, 410);
      assert.equal(deleted.body.error.code, 'TENANT_DELETED');
      const noPrefix = await stsToken(userToken('alice'), 'k805');
      assert.equal(noPrefix.status, 409);
      assert.equal(noPrefix.body.error.code, 'STORAGE_NOT_READY');
    });

    it('when no tenant is named, or there is no user token, then 400 / 401', async () => {
      const none = await stsToken(userToken('alice'));
      assert.equal(none.status, 400);
      assert.equal(none.body.error.code, 'TENANT_REQUIRED');
      assert.equal((await http('POST', `${cp.url}/api/v1/oss/sts-token`)).status, 401);
      const admin = cp.ctx.tokens.signAdmin({ id: 1, username: 'root-admin', role: 'super_admin' }).token;
      assert.equal((await stsToken(admin, 'k801')).status, 401);
    });

    it('when the user is a viewer, then the credentials are read-only', async () => {
      const c = await credsFor('vera', 'k801');
      assert.equal(c.readOnly, true);
      assert.equal(c.allowedPrefix, A_PREFIX);
    });
  });

  describe('local storage endpoints', () => {
    let a: Creds;
    let b: Creds;
    before(async () => {
      a = await credsFor('alice', 'k801');
      b = await credsFor('bob', 'k802');
      assert.equal((await put(b, `${B_PREFIX}uploads/files/secret.txt`, 'B only')).status, 200);
    });

    it("when A's credentials write, read, list and delete inside A's prefix, then it works", async () => {
      const up = await put(a, `${A_PREFIX}uploads/images/小朋友.png`, Buffer.from([137, 80, 78, 71]), 'image/png');
      assert.equal(up.status, 200);
      assert.deepEqual(up.body.data, { key: `${A_PREFIX}uploads/images/小朋友.png`, size: 4 });
      const got = await get(a, `${A_PREFIX}uploads/images/${encodeURIComponent('小朋友.png')}`);
      assert.equal(got.status, 200);
      assert.deepEqual([...got.buf], [137, 80, 78, 71]);
      const list = await http('GET', `${cp.url}/api/storage/objects?prefix=${A_PREFIX}uploads/`, { headers: auth(a) });
      assert.equal(list.status, 200);
      assert.deepEqual(
        list.body.data.objects.map((o: { key: string }) => o.key),
        [`${A_PREFIX}uploads/images/小朋友.png`],
      );
      const del = await fetch(`${cp.url}/api/storage/objects/${A_PREFIX}uploads/images/${encodeURIComponent('小朋友.png')}`, {
        method: 'DELETE',
        headers: auth(a),
      });
      assert.equal(del.status, 200);
      assert.equal((await get(a, `${A_PREFIX}uploads/images/${encodeURIComponent('小朋友.png')}`)).status, 404);
    });

    it('when a JSON file is uploaded, then its exact bytes are stored', async () => {
      const text = '{ "b": 1,\n  "a": [2] }';
      assert.equal((await put(a, `${A_PREFIX}documents/activities/plan.json`, text, 'application/json')).status, 200);
      assert.equal((await get(a, `${A_PREFIX}documents/activities/plan.json`)).buf.toString(), text);
    });

    it("when A's credentials touch B's prefix, then read, write, delete and list are all 403", async () => {
      const key = `${B_PREFIX}uploads/files/secret.txt`;
      const r = await get(a, key);
      assert.equal(r.status, 403);
      assert.equal(r.json().error.code, 'STORAGE_KEY_OUTSIDE_PREFIX');
      assert.equal((await put(a, `${B_PREFIX}uploads/files/evil.txt`, 'x')).status, 403);
      const del = await fetch(`${cp.url}/api/storage/objects/${key}`, { method: 'DELETE', headers: auth(a) });
      assert.equal(del.status, 403);
      const list = await http('GET', `${cp.url}/api/storage/objects?prefix=${B_PREFIX}`, { headers: auth(a) });
      assert.equal(list.status, 403);
      const shorter = await http('GET', `${cp.url}/api/storage/objects?prefix=1380013800`, { headers: auth(a) });
      assert.equal(shorter.status, 403);
      assert.equal((await get(b, key)).buf.toString(), 'B only');
    });

    it("when A tries '../' tricks to reach B, then 403 and nothing is written outside A", async () => {
      const encoded = await put(a, `${A_PREFIX}x%2F..%2F..%2F${B_PREFIX}evil.txt`, 'x');
      assert.equal(encoded.status, 403);
      assert.equal(encoded.body.error.code, 'STORAGE_KEY_OUTSIDE_PREFIX');
      // A raw request keeps the literal '..' that fetch would normalise away.
      const raw = await new Promise<number>((resolve, reject) => {
        const req = nodeHttp.request(
          `${cp.url}/api/storage/objects/${A_PREFIX}../${B_PREFIX}uploads/files/secret.txt`,
          { method: 'GET', headers: auth(a), path: `/api/storage/objects/${A_PREFIX}../${B_PREFIX}uploads/files/secret.txt` },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end();
      });
      assert.equal(raw, 403);
      const dotted = await http('GET', `${cp.url}/api/storage/objects?prefix=${A_PREFIX}../${B_PREFIX}`, { headers: auth(a) });
      assert.equal(dotted.status, 403);
      const bKeys = (await http('GET', `${cp.url}/api/storage/objects`, { headers: auth(b) })).body.data.objects.map((o: any) => o.key);
      assert.deepEqual(bKeys, [`${B_PREFIX}uploads/files/secret.txt`]);
      await assert.rejects(fs.access(path.join(root, 'evil.txt')));
    });

    it("when a viewer's credentials write or delete, then 403 STORAGE_READ_ONLY; reading works", async () => {
      await put(a, `${A_PREFIX}posters/templates/t1.png`, 'poster');
      const v = await credsFor('vera', 'k801');
      assert.equal((await get(v, `${A_PREFIX}posters/templates/t1.png`)).buf.toString(), 'poster');
      const w = await put(v, `${A_PREFIX}posters/templates/t2.png`, 'nope');
      assert.equal(w.status, 403);
      assert.equal(w.body.error.code, 'STORAGE_READ_ONLY');
      const d = await fetch(`${cp.url}/api/storage/objects/${A_PREFIX}posters/templates/t1.png`, { method: 'DELETE', headers: auth(v) });
      assert.equal(d.status, 403);
      assert.equal((await get(a, `${A_PREFIX}posters/templates/t1.png`)).status, 200);
    });

    it('when credentials are missing, tampered with or expired, then 401 / 403', async () => {
      const none = await fetch(`${cp.url}/api/storage/objects/${A_PREFIX}x.txt`);
      assert.equal(none.status, 401);
      await none.arrayBuffer();
      const [v, body, sig] = a.securityToken.split('.');
      const payload = JSON.parse(Buffer.from(body, 'base64url').toString());
      const forged = `${v}.${Buffer.from(JSON.stringify({ ...payload, prefix: '1' })).toString('base64url')}.${sig}`;
      const t = await get({ ...a, securityToken: forged }, `${B_PREFIX}uploads/files/secret.txt`);
      assert.equal(t.status, 403);
      assert.equal(t.json().error.code, 'STORAGE_CREDENTIALS_INVALID');
      const swapped = await get({ ...a, accessKeyId: b.accessKeyId }, `${A_PREFIX}posters/templates/t1.png`);
      assert.equal(swapped.status, 403);
      const short = await storageProviders(cp.ctx).sts.issue({ tenantCode: 'k801', userId: String(users.alice), prefix: A_PREFIX, readOnly: false, durationSeconds: 1 });
      await new Promise((r) => setTimeout(r, 1100));
      const expired = await put(short as Creds, `${A_PREFIX}temp/late.txt`, 'late');
      assert.equal(expired.status, 403);
      assert.equal(expired.body.error.code, 'STORAGE_CREDENTIALS_EXPIRED');
    });

    it('when an upload exceeds STORAGE_MAX_UPLOAD_BYTES, then 413', async () => {
      const big = await put(a, `${A_PREFIX}uploads/videos/big.mp4`, Buffer.alloc(5000));
      assert.equal(big.status, 413);
    });

    it('when a signed download URL is used, then it works without credentials; tampered or expired it fails', async () => {
      await put(a, `${A_PREFIX}generated/documents/report.pdf`, '%PDF-1.4 report');
      await put(a, `${A_PREFIX}generated/documents/other.pdf`, '%PDF-1.4 other');
      const signed = new URL(await storageProviders(cp.ctx).storage.signedUrl(`${A_PREFIX}generated/documents/report.pdf`, 60));
      const url = `${cp.url}${signed.pathname}${signed.search}`;
      const ok = await fetch(url);
      assert.equal(ok.status, 200);
      assert.equal(ok.headers.get('content-type'), 'application/pdf');
      assert.equal(await ok.text(), '%PDF-1.4 report');

      const tampered = await http('GET', url.replace('report.pdf', 'other.pdf'));
      assert.equal(tampered.status, 403);
      assert.equal(tampered.body.error.code, 'STORAGE_SIGNATURE_INVALID');
      const later = new URL(url);
      later.searchParams.set('expires', String(Number(later.searchParams.get('expires')) + 3600));
      assert.equal((await http('GET', later.toString())).status, 403);

      const secret = storageProviders(cp.ctx).signingSecret;
      const past = new URL(signDownloadUrl(cp.url, secret, `${A_PREFIX}generated/documents/report.pdf`, Math.floor(Date.now() / 1000) - 5));
      const expired = await http('GET', past.toString());
      assert.equal(expired.status, 403);
      assert.equal(expired.body.error.code, 'STORAGE_SIGNATURE_EXPIRED');
    });
  });
});
