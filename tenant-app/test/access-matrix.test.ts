import assert from 'node:assert/strict';
import type { RowDataPacket } from '@kg/shared';
import { http } from '@kg/shared/testing';
import { ROUTES, createFixture, send, snapshotTenant, type Fixture } from './helpers/catalogue';
import { ROLES, requestWithHost, startTenantStack, tenantHeader, type Role, type TenantStack, type TestTenant, type TestUser } from './helpers/harness';

const MISSING = 999_999;
const missingFixture = Object.fromEntries(
  [
    'classId',
    'teacherId',
    'studentId',
    'parentId',
    'planId',
    'applicationId',
    'reviewedApplicationId',
    'resultId',
    'admissionNotificationId',
    'activityId',
    'registrationId',
    'notificationId',
    'todoId',
    'fileId',
    'conversationId',
    'staffId',
    'roleId',
  ].map((k) => [k, MISSING]),
) as unknown as Fixture;

const label = (r: (typeof ROUTES)[number]) => `${r.method} ${r.path(missingFixture).replace(String(MISSING), ':id')}`;

describe('tenant app: isolation and permission matrices over every route', function () {
  this.timeout(120_000);
  let stack: TenantStack;
  let a: TestTenant;
  let b: TestTenant;
  let adminA: TestUser;
  let adminB: TestUser;
  let fixtureA: Fixture;
  let fixtureB: Fixture;

  before(async () => {
    stack = await startTenantStack('matrix');
    a = await stack.createTenant('k201');
    b = await stack.createTenant('k202');
    adminA = await stack.addUser(a, 'admin');
    adminB = await stack.addUser(b, 'admin');
    fixtureA = await createFixture(stack.url, a.code, adminA.token, 'tenantA-1');
    // Two of everything in B, so B's second ids do not exist in A at all.
    await createFixture(stack.url, b.code, adminB.token, 'tenantB-1');
    fixtureB = await createFixture(stack.url, b.code, adminB.token, 'tenantB-2');
  });
  after(async () => {
    await stack?.close();
  });

  it('when the catalogue is compared with the mounted tenant routes, then it covers every one', async () => {
    const { tenantRouteModules } = await import('../src/modules/routes');
    const uncovered: string[] = [];
    for (const mount of tenantRouteModules()) {
      const router = mount(stack.ctx) as unknown as { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> };
      for (const layer of router.stack) {
        if (!layer.route) continue;
        const re = new RegExp(`^${layer.route.path.replace(/:\w+/g, '[^/]+')}$`);
        for (const m of Object.keys(layer.route.methods)) {
          const covered = ROUTES.some((r) => r.method === m.toUpperCase() && re.test(r.path(fixtureA).split('?')[0]!));
          if (!covered) uncovered.push(`${m.toUpperCase()} ${layer.route.path}`);
        }
      }
    }
    assert.deepEqual(uncovered, []);
  });

  describe('isolation: a user of tenant A against tenant B', () => {
    let before: Record<string, unknown>;
    it('(setup) B holds data', async () => {
      before = await snapshotTenant(stack.url, b.code, adminB.token);
      assert.ok(JSON.stringify(before).includes('tenantB-2'));
    });

    it('when A swaps the X-Tenant-Code header to B, then every route answers 403', async () => {
      for (const route of ROUTES) {
        const res = await send(stack.url, route, fixtureB, { token: adminA.token, headers: tenantHeader(b.code), marker: 'evil' });
        assert.equal(res.status, 403, `${label(route)} -> ${res.status} ${JSON.stringify(res.body)}`);
        assert.equal(res.body.error.code, 'NOT_BOUND_TO_TENANT', label(route));
      }
    });

    it('when A uses B\'s subdomain, then every route answers 403', async () => {
      for (const route of ROUTES) {
        const res = await requestWithHost(`${stack.url}${route.path(fixtureB)}`, `${b.code}.kg.test`, {
          method: route.method,
          token: adminA.token,
        });
        assert.equal(res.status, 403, `${label(route)} -> ${res.status} ${JSON.stringify(res.body)}`);
      }
    });

    it('when A\'s tenant-scoped token is sent to B (header or subdomain), then every route answers 403', async () => {
      for (const route of ROUTES) {
        const res = await send(stack.url, route, fixtureB, { token: adminA.scopedToken, headers: tenantHeader(b.code) });
        assert.equal(res.status, 403, `${label(route)} -> ${res.status}`);
        const viaHost = await requestWithHost(`${stack.url}${route.path(fixtureB)}`, `${b.code}.kg.test`, {
          method: route.method,
          token: adminA.scopedToken,
        });
        assert.equal(viaHost.status, 403, `${label(route)} via host -> ${viaHost.status}`);
      }
    });

    it('when A names its own tenant but guesses ids that exist only in B, then every id route answers 404', async () => {
      for (const route of ROUTES) {
        if (route.path(fixtureB) === route.path(missingFixture)) continue; // no id in the path
        const res = await send(stack.url, route, fixtureB, { token: adminA.token, headers: tenantHeader(a.code), marker: 'evil' });
        assert.equal(res.status, 404, `${label(route)} -> ${res.status} ${JSON.stringify(res.body)}`);
      }
    });

    it('when A refers to B\'s ids inside a body, then the reference is refused with a field error', async () => {
      const res = await http('POST', `${stack.url}/api/students`, {
        headers: tenantHeader(a.code),
        token: adminA.token,
        body: { name: 'Evil', gender: 'male', birthDate: '2021-01-01', classId: fixtureB.classId },
      });
      assert.equal(res.status, 400);
      assert.deepEqual(res.body.error.details.map((d: { field: string }) => d.field), ['classId']);
    });

    it('then nothing of B changed, and nothing of B is visible in A', async () => {
      const after = await snapshotTenant(stack.url, b.code, adminB.token);
      assert.deepEqual(after, before);
      const seenByA = JSON.stringify(await snapshotTenant(stack.url, a.code, adminA.token));
      assert.ok(seenByA.includes('tenantA-1'));
      assert.ok(!seenByA.includes('tenantB'), 'A sees none of B\'s records');
      assert.ok(!seenByA.includes('evil'), 'no write of the attempts landed in A either');
    });

    it('when A downloads its own file, then it gets its own bytes; B\'s file id is not found in A', async () => {
      const own = await fetch(`${stack.url}/api/files/${fixtureA.fileId}/download`, {
        headers: { authorization: `Bearer ${adminA.token}`, ...tenantHeader(a.code) },
      });
      assert.equal(own.status, 200);
      assert.equal(own.headers.get('content-type'), 'image/png');
    });
  });

  describe('permissions: the template roles x every route', () => {
    const users = new Map<Role, TestUser>();
    let granted: Map<Role, Set<string>>;

    it('(setup) one user per role, grants read from the tenant\'s own tables', async () => {
      for (const role of ROLES) users.set(role, await stack.addUser(a, role));
      const conn = await stack.tenantConn(a);
      try {
        const [rows] = await conn.query<RowDataPacket[]>(
          'SELECT r.code AS role, p.code AS permission FROM role_permissions rp JOIN roles r ON r.id = rp.role_id JOIN permissions p ON p.id = rp.permission_id',
        );
        granted = new Map(ROLES.map((r) => [r, new Set<string>()]));
        for (const row of rows) granted.get(row.role as Role)?.add(String(row.permission));
      } finally {
        await conn.end();
      }
      assert.ok(granted.get('viewer')!.has('classes:read'));
      assert.ok(!granted.get('viewer')!.has('classes:write'));
    });

    for (const role of ROLES) {
      it(`when a ${role} calls every route, then exactly the routes its permissions cover get past the permission check`, async () => {
        const user = users.get(role)!;
        const problems: string[] = [];
        for (const route of ROUTES) {
          // Missing ids: an allowed call ends in 404/400/200, a forbidden one in 403, nothing is changed.
          const res = await send(stack.url, route, missingFixture, { token: user.token, headers: tenantHeader(a.code), marker: `perm-${role}` });
          const allowed = route.permission === null || granted.get(role)!.has(route.permission);
          if (allowed && (res.status === 401 || res.status === 403)) problems.push(`${label(route)} should be allowed, got ${res.status}`);
          if (!allowed && (res.status !== 403 || res.body?.error?.code !== 'FORBIDDEN')) {
            problems.push(`${label(route)} should be 403 FORBIDDEN, got ${res.status}`);
          }
          if (res.status >= 500) problems.push(`${label(route)} failed with ${res.status} ${JSON.stringify(res.body)}`);
        }
        assert.deepEqual(problems, []);
      });
    }

    it('when /api/me is called by each role, then it lists exactly the role\'s permissions', async () => {
      for (const role of ROLES) {
        const res = await http('GET', `${stack.url}/api/me`, { headers: tenantHeader(a.code), token: users.get(role)!.token });
        assert.equal(res.status, 200);
        assert.deepEqual(res.body.data.roles, [role]);
        assert.deepEqual(res.body.data.permissions, [...granted.get(role)!].sort());
      }
    });
  });
});
