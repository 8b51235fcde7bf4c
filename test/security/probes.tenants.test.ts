import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';
import { USER_AUDIENCE } from '@kg/shared';
import { http } from '@kg/shared/testing';
import { requestWithHost, startTenantStack, tenantHeader, type TenantStack, type TestTenant, type TestUser } from '../../tenant-app/test/helpers/harness';

/*
 * The probes of issue #9 that held (tenant isolation through header, subdomain and token swaps,
 * guessed ids, storage paths, forged JWTs, SQL metacharacters), kept as attacks so they keep
 * holding; plus finding 10's "tenant existence before sign-in" and the test gap a mutation found
 * (a user bound to two tenants presenting one tenant's scoped token on the other).
 */
describe('security: probes against tenant isolation (issue #9)', function () {
  this.timeout(120_000);
  let stack: TenantStack;
  let a: TestTenant;
  let b: TestTenant;
  let adminA: TestUser;
  let adminB: TestUser;

  before(async () => {
    stack = await startTenantStack('secprobe');
    a = await stack.createTenant('k201', { tables: ['classes', 'users', 'roles', 'permissions', 'role_permissions', 'user_roles'] });
    b = await stack.createTenant('k202', { tables: ['classes', 'users', 'roles', 'permissions', 'role_permissions', 'user_roles'] });
    adminA = await stack.addUser(a, 'admin');
    adminB = await stack.addUser(b, 'admin');
  });
  after(async () => {
    await stack?.close();
  });

  const get = (path: string, headers: Record<string, string>, token?: string) => http('GET', `${stack.url}${path}`, { headers, token });

  describe('tenant existence before sign-in (finding 10)', () => {
    it('when no or a bad token names an unknown, suspended or existing tenant, then every answer is the same 401', async () => {
      const suspended = await stack.createTenant('k203', { tables: ['users'] });
      await stack.setStatus(suspended.code, 'suspended');
      for (const token of [undefined, 'not.a.token']) {
        const answers: string[] = [];
        for (const code of [a.code, 'k999999', suspended.code]) {
          const res = await get('/api/classes', tenantHeader(code), token);
          assert.equal(res.status, 401, `${code}: ${JSON.stringify(res.body)}`);
          answers.push(JSON.stringify(res.body));
        }
        assert.equal(new Set(answers).size, 1, `answers differ by tenant: ${answers.join(' | ')}`);
      }
      // Signed in, the state is told as before.
      assert.equal((await get('/api/classes', tenantHeader('k999999'), adminA.token)).status, 404);
      assert.equal((await get('/api/classes', tenantHeader(suspended.code), adminA.token)).status, 403);
    });
  });

  describe('header, subdomain and token swaps', () => {
    it('when a user bound to A and B presents an A-scoped token on B, then 403', async () => {
      const both = await stack.addUser(a, 'teacher');
      await stack.cp.db.query(
        "INSERT INTO global_user_tenant_relations (global_user_id, tenant_code, role_in_tenant, status) VALUES (?, ?, 'admin', 'active')",
        [both.globalUserId, b.code],
      );
      const conn = await stack.tenantConn(b);
      try {
        const { ensureTenantUser } = await import('@kg/shared');
        await ensureTenantUser(conn, { globalUserId: both.globalUserId, phone: both.phone, realName: 'both', role: 'admin' });
      } finally {
        await conn.end();
      }
      assert.equal((await get('/api/classes', tenantHeader(b.code), both.token)).status, 200, 'bound to B: an unscoped token works');
      const onB = await get('/api/classes', tenantHeader(b.code), both.scopedToken);
      assert.equal(onB.status, 403);
      assert.equal(onB.body.error.code, 'NOT_BOUND_TO_TENANT');
      const viaHost = await requestWithHost(`${stack.url}/api/classes`, `${b.code}.kg.test`, { token: both.scopedToken });
      assert.equal(viaHost.status, 403);
    });

    it("when A's admin names B by header or subdomain, or both disagree, then 403 or 400 and B's rows stay unseen", async () => {
      const conn = await stack.tenantConn(b);
      await conn.query("INSERT INTO classes (name, grade, academic_year) VALUES ('B secret', 'small', '2025-2026')");
      await conn.end();
      assert.equal((await get('/api/classes', tenantHeader(b.code), adminA.token)).status, 403);
      assert.equal((await requestWithHost(`${stack.url}/api/classes`, `${b.code}.kg.test`, { token: adminA.token })).status, 403);
      const mixed = await requestWithHost(`${stack.url}/api/classes`, `${a.code}.kg.test`, { token: adminA.token, headers: tenantHeader(b.code) });
      assert.equal(mixed.status, 400);
      assert.equal((await get('/api/classes', tenantHeader(b.code), adminB.token)).body.data.items[0].name, 'B secret');
    });

    it("when A's admin guesses ids that exist only in B, then 404", async () => {
      const conn = await stack.tenantConn(b);
      const [res] = await conn.query<any>("INSERT INTO classes (name, grade, academic_year) VALUES ('B only', 'small', '2025-2026')");
      await conn.end();
      const probe = await get(`/api/classes/${res.insertId}`, tenantHeader(a.code), adminA.token);
      assert.equal(probe.status, 404);
    });
  });

  describe('forged tokens', () => {
    const claims = () => ({ typ: 'user', sub: String(adminA.globalUserId), phone: adminA.phone, jti: crypto.randomUUID() });
    const sign = (key: jwt.Secret, opts: jwt.SignOptions) =>
      jwt.sign(claims(), key, { audience: USER_AUDIENCE, issuer: stack.config.JWT_ISSUER, expiresIn: 600, ...opts });

    it('when a token is signed HS256 with the public key as the secret (algorithm confusion), then 401 in both services', async () => {
      const jwks = (await http('GET', `${stack.cp.url}/.well-known/jwks.json`)).body.keys[0];
      const pem = crypto.createPublicKey({ key: jwks, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
      const forged = sign(pem, { algorithm: 'HS256', keyid: jwks.kid });
      assert.equal((await get('/api/classes', tenantHeader(a.code), forged)).status, 401);
      assert.equal((await http('GET', `${stack.cp.url}/api/auth/me`, { token: forged })).status, 401);
    });

    it('when a token has alg none, an unknown kid, or a payload that is not JSON, then 401 (never 500)', async () => {
      const kid = (jwt.decode(adminA.token, { complete: true }) as { header: { kid: string } }).header.kid;
      const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
      const none = `${b64({ alg: 'none', kid })}.${b64({ ...claims(), aud: USER_AUDIENCE, iss: stack.config.JWT_ISSUER, exp: Math.floor(Date.now() / 1000) + 600 })}.`;
      const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
      const unknownKid = sign(privateKey, { algorithm: 'RS256', keyid: 'attacker-key' });
      const notJson = `${b64({ alg: 'RS256', kid, typ: 'JWT' })}.${b64('not json')}.${adminA.token.split('.')[2]}`;
      for (const token of [none, unknownKid, notJson]) {
        const tenant = await get('/api/classes', tenantHeader(a.code), token);
        assert.equal(tenant.status, 401, `tenant app: ${JSON.stringify(tenant.body)}`);
        const control = await http('GET', `${stack.cp.url}/api/auth/me`, { token });
        assert.equal(control.status, 401, `control plane: ${JSON.stringify(control.body)}`);
      }
    });
  });

  describe('SQL metacharacters', () => {
    it('when inputs carry SQL metacharacters, then codes are refused and values are stored and searched literally', async () => {
      assert.equal((await get('/api/classes', { 'x-tenant-code': "k201' OR '1'='1" }, adminA.token)).status, 400);
      assert.equal((await get('/api/classes', { 'x-tenant-code': 'k201;DROP DATABASE rent201' }, adminA.token)).status, 400);
      const name = "Robert'); DROP TABLE classes; --";
      const created = await http('POST', `${stack.url}/api/classes`, {
        headers: tenantHeader(a.code),
        token: adminA.token,
        body: { name, grade: 'small', academicYear: '2025-2026' },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const found = await get(`/api/classes?q=${encodeURIComponent("'); DROP")}`, tenantHeader(a.code), adminA.token);
      assert.deepEqual(found.body.data.items.map((c: { name: string }) => c.name), [name]);
      const everything = await get(`/api/classes?q=${encodeURIComponent("%' OR '1'='1")}`, tenantHeader(a.code), adminA.token);
      assert.equal(everything.body.data.total, 0);
      const login = await http('POST', `${stack.cp.url}/api/auth/login`, { body: { phone: "1' OR '1'='1", password: "x' OR '1'='1" } });
      assert.equal(login.status, 401);
    });
  });

  describe('storage paths', () => {
    it("when A's user asks storage credentials for B, or a key climbs out of A's prefix, then 403", async () => {
      const forB = await http('POST', `${stack.cp.url}/api/v1/oss/sts-token`, { token: adminA.token, headers: tenantHeader(b.code) });
      assert.equal(forB.status, 403);
      const creds = await http('POST', `${stack.cp.url}/api/v1/oss/sts-token`, { token: adminA.token, headers: tenantHeader(a.code) });
      assert.equal(creds.status, 200, JSON.stringify(creds.body));
      const auth = { 'x-kg-access-key-id': creds.body.data.accessKeyId, 'x-kg-security-token': creds.body.data.securityToken };
      const list = await http('GET', `${stack.cp.url}/api/storage/objects?prefix=${encodeURIComponent(`${a.storagePrefix}../${b.storagePrefix}`)}`, { headers: auth });
      assert.equal(list.status, 403);
      const other = await http('GET', `${stack.cp.url}/api/storage/objects?prefix=${encodeURIComponent(b.storagePrefix)}`, { headers: auth });
      assert.equal(other.status, 403);
    });
  });
});
