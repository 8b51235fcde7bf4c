import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';
import { ADMIN_AUDIENCE, USER_AUDIENCE, insertRevokedSession } from '@kg/shared';
import { http } from '@kg/shared/testing';
import { revokeSignIns } from '../../control-plane/src/modules/sessions/session-revocation.service';
import { requestWithHost, startTenantStack, tenantHeader, type TenantStack, type TestTenant, type TestUser } from './helpers/harness';

describe('tenant app: tenant resolution, tokens and membership', function () {
  this.timeout(60_000);
  let stack: TenantStack;
  let a: TestTenant;
  let b: TestTenant;
  let adminA: TestUser;
  let adminB: TestUser;

  before(async () => {
    // Short safety-net windows, so the tests of changes nobody announces finish quickly.
    stack = await startTenantStack('tenancy', {
      JWKS_REFETCH_INTERVAL_MS: '1000',
      ACCESS_CACHE_TTL_MS: '1000',
      TENANT_CACHE_TTL_MS: '2000',
      REVOCATION_RELOAD_MS: '1000',
    });
    a = await stack.createTenant('k101');
    b = await stack.createTenant('k102');
    adminA = await stack.addUser(a, 'admin');
    adminB = await stack.addUser(b, 'admin');
  });
  after(async () => {
    await stack?.close();
  });

  const me = (headers: Record<string, string>, token?: string) => {
    const { host, ...rest } = headers;
    if (host) return requestWithHost(`${stack.url}/api/me`, host, { token, headers: rest });
    return http('GET', `${stack.url}/api/me`, { headers, token });
  };

  describe('resolution', () => {
    it('when the tenant is named by X-Tenant-Code, then /api/me answers the user inside it', async () => {
      const res = await me(tenantHeader(a.code), adminA.token);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.data.tenantCode, a.code);
      assert.equal(res.body.data.globalUserId, adminA.globalUserId);
      assert.deepEqual(res.body.data.roles, ['admin']);
      assert.ok(res.body.data.permissions.includes('students:write'));
    });

    it('when the tenant is named by the Host subdomain, then it is resolved from it', async () => {
      const res = await me({ host: `${a.code}.kg.test` }, adminA.token);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.data.tenantCode, a.code);
    });

    it('when header and subdomain name different tenants, then 400 TENANT_CONFLICT', async () => {
      const res = await me({ host: `${a.code}.kg.test`, ...tenantHeader(b.code) }, adminA.token);
      assert.equal(res.status, 400);
      assert.equal(res.body.error.code, 'TENANT_CONFLICT');
    });

    it('when header and subdomain agree, then the request is served', async () => {
      const res = await me({ host: `${a.code}.kg.test`, ...tenantHeader(a.code) }, adminA.token);
      assert.equal(res.status, 200);
    });

    it('when no tenant is named, or the header is not a tenant code, then 400', async () => {
      assert.equal((await me({}, adminA.token)).status, 400);
      const bad = await me(tenantHeader('rent001; DROP'), adminA.token);
      assert.equal(bad.status, 400);
    });

    it('when the tenant does not exist, then 404 TENANT_NOT_FOUND', async () => {
      const res = await me(tenantHeader('k999'), adminA.token);
      assert.equal(res.status, 404);
      assert.equal(res.body.error.code, 'TENANT_NOT_FOUND');
    });

    it('when the tenant is suspended, deleted, purged, provisioning or failed, then 403, 410, 410, 503, 503', async () => {
      const expectations: Array<[string, number, string]> = [
        ['suspended', 403, 'TENANT_SUSPENDED'],
        ['deleted', 410, 'TENANT_DELETED'],
        ['purged', 410, 'TENANT_DELETED'],
        ['provisioning', 503, 'TENANT_NOT_READY'],
        ['failed', 503, 'TENANT_NOT_READY'],
      ];
      const t = await stack.createTenant('k150');
      const u = await stack.addUser(t, 'admin');
      for (const [status, code, errorCode] of expectations) {
        await stack.setStatus(t.code, status);
        await waitFor(async () => (await me(tenantHeader(t.code), u.token)).status === code);
        const res = await me(tenantHeader(t.code), u.token);
        assert.equal(res.status, code, status);
        assert.equal(res.body.error.code, errorCode, status);
      }
      await stack.setStatus(t.code, 'active');
      await waitFor(async () => (await me(tenantHeader(t.code), u.token)).status === 200);
    });

    it('when an active tenant has no database account of its own, then 503 TENANT_NOT_READY and no broader account serves it', async () => {
      const t = await stack.createTenant('k153');
      const u = await stack.addUser(t, 'admin');
      assert.equal((await me(tenantHeader(t.code), u.token)).status, 200);
      await stack.cp.db.query('UPDATE tenants SET db_user = NULL, db_password_enc = NULL WHERE tenant_id = ?', [t.code]);
      await stack.setStatus(t.code, 'active');
      await waitFor(async () => (await me(tenantHeader(t.code), u.token)).status === 503);
      const res = await me(tenantHeader(t.code), u.token);
      assert.equal(res.body.error.code, 'TENANT_NOT_READY');
    });

    it('when a tenant is suspended and the change is announced, then its next request is refused within 1 s, without restart', async () => {
      const t = await stack.createTenant('k151');
      const u = await stack.addUser(t, 'admin');
      assert.equal((await me(tenantHeader(t.code), u.token)).status, 200); // cached as active now
      const messagesBefore = stack.ctx.tenants.messages;
      const started = Date.now();
      await stack.setStatus(t.code, 'suspended');
      let res = await me(tenantHeader(t.code), u.token);
      while (res.status === 200 && Date.now() - started < 1000) {
        await new Promise((r) => setTimeout(r, 20));
        res = await me(tenantHeader(t.code), u.token);
      }
      const elapsed = Date.now() - started;
      assert.equal(res.status, 403);
      assert.equal(res.body.error.code, 'TENANT_SUSPENDED');
      assert.ok(elapsed < 1000, `took ${elapsed} ms`);
      assert.ok(stack.ctx.tenants.messages > messagesBefore, 'refused because of the announcement, not the TTL');
      // Other tenants are unaffected, and activation is just as quick.
      assert.equal((await me(tenantHeader(a.code), adminA.token)).status, 200);
      await stack.setStatus(t.code, 'active');
      await waitFor(async () => (await me(tenantHeader(t.code), u.token)).status === 200, 1000);
    });
    it('when the status changes in the control DB without an announcement, then the cache TTL still catches it', async () => {
      const t = await stack.createTenant('k152');
      const u = await stack.addUser(t, 'admin');
      assert.equal((await me(tenantHeader(t.code), u.token)).status, 200);
      await stack.setStatus(t.code, 'deleted', { publish: false });
      // Refreshed ahead of use: at most two TTLs (plus jitter) after the change.
      await waitFor(async () => (await me(tenantHeader(t.code), u.token)).status === 410, 2.4 * stack.config.TENANT_CACHE_TTL_MS + 1000);
    });
  });

  describe('tokens', () => {
    it('when no token is sent, then 401', async () => {
      const res = await me(tenantHeader(a.code));
      assert.equal(res.status, 401);
    });

    it('when the token is signed by another key with a known kid (forged), then 401 TOKEN_INVALID', async () => {
      const kid = (jwt.decode(adminA.token, { complete: true }) as { header: { kid: string } }).header.kid;
      const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
      const forged = jwt.sign({ typ: 'user', sub: String(adminA.globalUserId), phone: adminA.phone, jti: 'x' }, privateKey, {
        algorithm: 'RS256',
        keyid: kid,
        audience: USER_AUDIENCE,
        issuer: stack.config.JWT_ISSUER,
        expiresIn: 600,
      });
      const res = await me(tenantHeader(a.code), forged);
      assert.equal(res.status, 401);
      assert.equal(res.body.error.code, 'TOKEN_INVALID');
    });

    it('when the token uses HS256 or alg none, then 401', async () => {
      const hs = jwt.sign({ typ: 'user', sub: String(adminA.globalUserId), jti: 'y' }, 'secret', {
        audience: USER_AUDIENCE,
        issuer: stack.config.JWT_ISSUER,
      });
      assert.equal((await me(tenantHeader(a.code), hs)).status, 401);
      const none = `${Buffer.from('{"alg":"none","kid":"k"}').toString('base64url')}.${Buffer.from(
        JSON.stringify({ typ: 'user', sub: String(adminA.globalUserId), aud: USER_AUDIENCE }),
      ).toString('base64url')}.`;
      assert.equal((await me(tenantHeader(a.code), none)).status, 401);
    });

    it('when the token has expired, then 401 TOKEN_EXPIRED', async () => {
      const key = stack.cp.ctx.keys.signingKey();
      const expired = jwt.sign(
        { typ: 'user', sub: String(adminA.globalUserId), phone: adminA.phone, jti: crypto.randomUUID(), exp: Math.floor(Date.now() / 1000) - 120 },
        key.privateKey,
        { algorithm: 'RS256', keyid: key.kid, audience: USER_AUDIENCE, issuer: stack.config.JWT_ISSUER },
      );
      const res = await me(tenantHeader(a.code), expired);
      assert.equal(res.status, 401);
      assert.equal(res.body.error.code, 'TOKEN_EXPIRED');
    });

    it('when a token reuses the signature of a verified token with other claims, then 401 (the verified-token cache compares whole tokens)', async () => {
      assert.equal((await me(tenantHeader(a.code), adminA.token)).status, 200); // verified and remembered
      const [header, payload, signature] = adminA.token.split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
      const tampered = Buffer.from(JSON.stringify({ ...claims, sub: String(adminB.globalUserId) })).toString('base64url');
      const forged = `${header}.${tampered}.${signature}`;
      assert.equal(forged.slice(-32), adminA.token.slice(-32));
      const res = await me(tenantHeader(b.code), forged);
      assert.equal(res.status, 401);
      assert.equal(res.body.error.code, 'TOKEN_INVALID');
    });

    it('when an admin token (other audience) is used, then 401', async () => {
      const admin = stack.cp.ctx.tokens.signAdmin({ id: adminA.globalUserId, username: 'root-admin', role: 'super_admin' });
      const res = await me(tenantHeader(a.code), admin.token);
      assert.equal(res.status, 401);
      assert.equal(res.body.error.code, 'TOKEN_INVALID');
      assert.notEqual(ADMIN_AUDIENCE, USER_AUDIENCE);
    });

    it('when the token was revoked (logout), then the announcement makes it refused at once with 401 TOKEN_REVOKED', async () => {
      const t = stack.cp.ctx.tokens.signUser({ id: adminA.globalUserId, phone: adminA.phone });
      assert.equal((await me(tenantHeader(a.code), t.token)).status, 200);
      const messagesBefore = stack.ctx.revocations.messages;
      const revokedAt = Date.now();
      await revokeSignIns(stack.cp.ctx, { type: 'user', id: adminA.globalUserId }, [t.jti], 'logout');
      await waitFor(async () => (await me(tenantHeader(a.code), t.token)).status === 401, 2000);
      const elapsed = Date.now() - revokedAt;
      // Well inside the reload window (1 s): the announcement did it.
      assert.ok(elapsed < 500, `took ${elapsed} ms`);
      assert.ok(stack.ctx.revocations.messages > messagesBefore, 'refused because of the announcement');
      const res = await me(tenantHeader(a.code), t.token);
      assert.equal(res.body.error.code, 'TOKEN_REVOKED');
      // Other tokens of the same user are unaffected.
      assert.equal((await me(tenantHeader(a.code), adminA.token)).status, 200);
    });

    it('when a sign-in is revoked in MySQL without an announcement, then it is refused within REVOCATION_RELOAD_MS', async () => {
      const window = stack.config.REVOCATION_RELOAD_MS;
      assert.equal(window, 1000);
      const t = stack.cp.ctx.tokens.signUser({ id: adminA.globalUserId, phone: adminA.phone });
      assert.equal((await me(tenantHeader(a.code), t.token)).status, 200);
      const revokedAt = Date.now();
      await insertRevokedSession(stack.cp.db, {
        sessionId: t.jti,
        subjectType: 'user',
        subjectId: adminA.globalUserId,
        reason: 'logout',
        revokedAtMs: revokedAt,
        expiresAtMs: revokedAt + 3600_000,
      });
      await waitFor(async () => (await me(tenantHeader(a.code), t.token)).status === 401, window + 1000);
      assert.ok(Date.now() - revokedAt <= window + 1000);
      const res = await me(tenantHeader(a.code), t.token);
      assert.equal(res.body.error.code, 'TOKEN_REVOKED');
      // A token revoked before its first use is refused at once.
      const fresh = stack.cp.ctx.tokens.signUser({ id: adminA.globalUserId, phone: adminA.phone });
      await revokeSignIns(stack.cp.ctx, { type: 'user', id: adminA.globalUserId }, [fresh.jti], 'logout');
      await new Promise((r) => setTimeout(r, 100));
      assert.equal((await me(tenantHeader(a.code), fresh.token)).status, 401);
    });

    it('when the control plane rotates its key, then a token with the new kid is accepted after one JWKS refetch', async () => {
      const before = stack.ctx.verifier.fetchCount;
      await new Promise((r) => setTimeout(r, 1050));
      const kid = await stack.cp.ctx.keys.rotate();
      const t = stack.cp.ctx.tokens.signUser({ id: adminA.globalUserId, phone: adminA.phone });
      assert.equal((jwt.decode(t.token, { complete: true }) as { header: { kid: string } }).header.kid, kid);
      const res = await me(tenantHeader(a.code), t.token);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(stack.ctx.verifier.fetchCount, before + 1);
      assert.ok(stack.ctx.verifier.kids().includes(kid));
    });

    it('when tokens with unknown kids arrive in a burst, then the JWKS is fetched at most once per interval', async () => {
      await new Promise((r) => setTimeout(r, 1050));
      const before = stack.ctx.verifier.fetchCount;
      const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          me(
            tenantHeader(a.code),
            jwt.sign({ typ: 'user', sub: '1', jti: String(i) }, privateKey, {
              algorithm: 'RS256',
              keyid: `unknown-${i}`,
              audience: USER_AUDIENCE,
              issuer: stack.config.JWT_ISSUER,
            }),
          ),
        ),
      );
      for (const r of results) assert.equal(r.status, 401);
      assert.ok(stack.ctx.verifier.fetchCount - before <= 1, `fetched ${stack.ctx.verifier.fetchCount - before} times`);
    });
  });

  describe('membership', () => {
    it('when a tenant-scoped token for tenant A is used on tenant B, then 403', async () => {
      const res = await me(tenantHeader(b.code), adminA.scopedToken);
      assert.equal(res.status, 403);
      assert.equal(res.body.error.code, 'NOT_BOUND_TO_TENANT');
      assert.equal((await me(tenantHeader(a.code), adminA.scopedToken)).status, 200);
    });

    it('when a user of tenant A names tenant B, then 403 (not bound)', async () => {
      const res = await me(tenantHeader(b.code), adminA.token);
      assert.equal(res.status, 403);
      assert.equal(res.body.error.code, 'NOT_BOUND_TO_TENANT');
      assert.equal((await me(tenantHeader(b.code), adminB.token)).status, 200);
    });

    it('when the user is bound but has no row in the tenant users table, then 403', async () => {
      const u = await stack.addUser(a, 'teacher', { tenantUser: 'none' });
      const res = await me(tenantHeader(a.code), u.token);
      assert.equal(res.status, 403);
      assert.equal(res.body.error.code, 'NOT_BOUND_TO_TENANT');
    });

    it('when the tenant-local user is inactive, then 403 ACCOUNT_DISABLED', async () => {
      const u = await stack.addUser(a, 'teacher', { tenantUser: 'inactive' });
      const res = await me(tenantHeader(a.code), u.token);
      assert.equal(res.status, 403);
      assert.equal(res.body.error.code, 'ACCOUNT_DISABLED');
    });

    it('when the tenant-local user exists but the control-plane relation is missing or disabled, then 403', async () => {
      const unbound = await stack.addUser(a, 'teacher', { bind: false });
      assert.equal((await me(tenantHeader(a.code), unbound.token)).status, 403);
      const disabled = await stack.addUser(a, 'teacher', { relationStatus: 'disabled' });
      assert.equal((await me(tenantHeader(a.code), disabled.token)).status, 403);
    });

    it('when the control plane binds a refused user, then the announcement lets them in at once, whatever the cache TTL', async () => {
      const u = await stack.addUser(a, 'teacher', { bind: false, tenantUser: 'none' });
      const refused = await me(tenantHeader(a.code), u.token);
      assert.equal(refused.status, 403); // and that answer is now cached
      const messagesBefore = stack.ctx.access.messages;
      const admin = await stack.cp.superAdminToken();
      const bound = await http('POST', `${stack.cp.url}/api/tenants/${a.code}/users`, {
        token: admin,
        body: { phone: u.phone, role: 'teacher' },
      });
      assert.equal(bound.status, 201, JSON.stringify(bound.body));
      const boundAt = Date.now();
      await waitFor(async () => (await me(tenantHeader(a.code), u.token)).status === 200, 2000);
      const elapsed = Date.now() - boundAt;
      assert.ok(elapsed < 500, `took ${elapsed} ms (the cache TTL is at least 800 ms)`);
      assert.ok(stack.ctx.access.messages > messagesBefore, 'let in because of the announcement');
      const res = await me(tenantHeader(a.code), u.token);
      assert.deepEqual(res.body.data.roles, ['teacher']);
    });

    it('when a user is deactivated in the tenant, then access ends within the access cache TTL', async () => {
      const u = await stack.addUser(a, 'staff');
      assert.equal((await me(tenantHeader(a.code), u.token)).status, 200);
      const conn = await stack.tenantConn(a);
      await conn.query("UPDATE users SET status = 'locked' WHERE global_user_id = ?", [u.globalUserId]);
      await conn.end();
      await waitFor(async () => (await me(tenantHeader(a.code), u.token)).status === 403, 2.4 * stack.config.ACCESS_CACHE_TTL_MS + 1000);
    });
  });

  describe('service', () => {
    it('when /api/health is called without tenant or token, then MySQL, Redis and the connection budget are reported', async () => {
      const res = await http('GET', `${stack.url}/api/health`);
      assert.equal(res.status, 200);
      assert.equal(res.body.data.mysql.status, 'up');
      assert.equal(res.body.data.redis.status, 'up');
      assert.equal(res.body.data.tenantConnections.budget, stack.config.TENANT_DB_MAX_CONNECTIONS);
    });

    it('when any API answer is sent (success or error), then it carries the API security headers and may not be cached', async () => {
      const answers = [
        await fetch(`${stack.url}/api/me`, { headers: { ...tenantHeader(a.code), authorization: `Bearer ${adminA.token}` } }),
        await fetch(`${stack.url}/api/me`, { headers: tenantHeader(a.code) }), // 401
        await fetch(`${stack.url}/api/no-such-thing`), // 404
      ];
      assert.deepEqual(answers.map((r) => r.status), [200, 401, 404]);
      for (const res of answers) {
        assert.equal(res.headers.get('content-security-policy'), "default-src 'none';frame-ancestors 'none'");
        assert.equal(res.headers.get('x-frame-options'), 'DENY');
        assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
        assert.equal(res.headers.get('cross-origin-resource-policy'), 'same-origin');
        assert.match(res.headers.get('strict-transport-security') ?? '', /max-age=\d+/);
        assert.equal(res.headers.get('cache-control'), 'no-store');
        assert.equal(res.headers.get('x-powered-by'), null);
        // Document-only headers are not sent on the API.
        assert.equal(res.headers.get('origin-agent-cluster'), null);
        assert.equal(res.headers.get('x-dns-prefetch-control'), null);
      }
      // Every answer has a request id generated by the server, all different; a client's own
      // X-Request-Id never becomes it (it could forge or collide with another request's): a
      // well-formed one is echoed apart, in X-Client-Request-Id, a malformed one is dropped.
      const ids = answers.map((r) => r.headers.get('x-request-id'));
      assert.ok(ids.every((id) => id && /^[a-z0-9]+-[a-z0-9]+$/.test(id)), JSON.stringify(ids));
      assert.equal(new Set(ids).size, ids.length);
      const given = await fetch(`${stack.url}/api/no-such-thing`, { headers: { 'x-request-id': ids[0]! } });
      assert.notEqual(given.headers.get('x-request-id'), ids[0]);
      assert.match(given.headers.get('x-request-id') ?? '', /^[a-z0-9]+-[a-z0-9]+$/);
      assert.equal(given.headers.get('x-client-request-id'), ids[0]);
      const refused = await fetch(`${stack.url}/api/no-such-thing`, { headers: { 'x-request-id': 'bad id\u00e9' } });
      assert.notEqual(refused.headers.get('x-request-id'), 'bad id\u00e9');
      assert.equal(refused.headers.get('x-client-request-id'), null);
    });

    it('when /metrics is scraped, then open tenant connections and pools are exposed', async () => {
      await me(tenantHeader(a.code), adminA.token);
      const text = await (await fetch(`${stack.url}/metrics`)).text();
      assert.match(text, /tenant_db_connections_open\{service="tenant-app"\} \d+/);
      assert.match(text, /tenant_db_pools_open\{service="tenant-app"\} [1-9]/);
      assert.match(text, /tenant_db_connections_budget\{service="tenant-app"\} 20/);
      // Request latency by route pattern, recorded from the access log's 'finish' listener.
      assert.match(text, /http_request_duration_seconds_count\{[^}]*route="\/api\/me"[^}]*status="200"[^}]*\} [1-9]/);
    });

    it('when a route does not exist, then 404 in the envelope without needing a tenant', async () => {
      const res = await http('GET', `${stack.url}/api/nope`);
      assert.equal(res.status, 404);
      assert.equal(res.body.error.code, 'NOT_FOUND');
    });

    it('when the OpenAPI document is fetched, then every mounted route is documented', async () => {
      const res = await http('GET', `${stack.url}/api/openapi.json`);
      assert.equal(res.status, 200);
      const documented = new Set<string>();
      for (const [p, ops] of Object.entries(res.body.paths as Record<string, Record<string, unknown>>)) {
        for (const method of Object.keys(ops)) documented.add(`${method.toUpperCase()} ${p.replace(/\{(\w+)\}/g, ':$1')}`);
      }
      const { routeModules } = await import('../src/http/app');
      const mounted: string[] = [];
      for (const mount of routeModules()) {
        const router = mount(stack.ctx) as unknown as { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> };
        for (const layer of router.stack) {
          if (!layer.route) continue;
          for (const m of Object.keys(layer.route.methods)) mounted.push(`${m.toUpperCase()} ${layer.route.path}`);
        }
      }
      assert.ok(mounted.length > 20, `only ${mounted.length} routes`);
      const missing = mounted.filter((r) => !documented.has(r));
      assert.deepEqual(missing, [], `undocumented routes: ${missing.join(', ')}`);
    });
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}
