import assert from 'node:assert/strict';
import { http } from '@kg/shared/testing';
import { startTenantStack, tenantHeader, type TenantStack, type TestTenant, type TestUser } from './helpers/harness';

const TENANTS = 200;
const BUDGET = 10;
// The tables these requests touch; each tenant gets their real template DDL and reference rows.
const TABLES = ['users', 'roles', 'permissions', 'user_roles', 'role_permissions', 'classes', 'students'];

async function pool<T>(items: T[], width: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}

describe(`tenant app: ${TENANTS} tenants on a budget of ${BUDGET} connections`, function () {
  this.timeout(120_000);
  let stack: TenantStack;
  const tenants: Array<{ tenant: TestTenant; admin: TestUser; classId: number }> = [];

  before(async () => {
    stack = await startTenantStack('scale', { TENANT_DB_MAX_CONNECTIONS: String(BUDGET) });
    const codes = Array.from({ length: TENANTS }, (_, i) => `k${String(i + 1).padStart(3, '0')}`);
    await pool(codes, 8, async (code, i) => {
      const tenant = await stack.createTenant(code, { tables: TABLES });
      const admin = await stack.addUser(tenant, 'admin');
      const conn = await stack.tenantConn(tenant);
      try {
        // Different data in every tenant: a class and a number of students that depends on i.
        const [cls] = await conn.query<import('@kg/shared').ResultSetHeader>(
          "INSERT INTO classes (name, grade, academic_year) VALUES (?, 'small', '2025-2026')",
          [`Class of ${code}`],
        );
        for (let s = 0; s < (i % 3) + 1; s++) {
          await conn.query("INSERT INTO students (name, gender, birth_date, class_id) VALUES (?, 'female', '2021-05-01', ?)", [
            `Child ${s} of ${code}`,
            cls.insertId,
          ]);
        }
        tenants[i] = { tenant, admin, classId: cls.insertId };
      } finally {
        await conn.end();
      }
    });
  });
  after(async () => {
    await stack?.close();
  });

  it('when every tenant is asked at once (3 requests each, twice over), then each answer comes from its own database and MariaDB never sees more than the budget', async () => {
    let maxServerSide = 0;
    let samples = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        maxServerSide = Math.max(maxServerSide, await stack.serverConnections());
        samples++;
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const started = Date.now();
    try {
      for (let round = 0; round < 2; round++) {
        await Promise.all(
          tenants.flatMap(({ tenant, admin, classId }, i) => {
            const headers = tenantHeader(tenant.code);
            return [
              http('GET', `${stack.url}/api/me`, { headers, token: admin.token }).then((res) => {
                assert.equal(res.status, 200, JSON.stringify(res.body));
                assert.equal(res.body.data.tenantCode, tenant.code);
                assert.equal(res.body.data.globalUserId, admin.globalUserId);
              }),
              http('GET', `${stack.url}/api/classes`, { headers, token: admin.token }).then((res) => {
                assert.equal(res.status, 200, JSON.stringify(res.body));
                assert.deepEqual(
                  res.body.data.items.map((c: { name: string }) => c.name),
                  [`Class of ${tenant.code}`],
                );
              }),
              http('GET', `${stack.url}/api/students?classId=${classId}&pageSize=100`, { headers, token: admin.token }).then((res) => {
                assert.equal(res.status, 200, JSON.stringify(res.body));
                assert.equal(res.body.data.total, (i % 3) + 1);
                for (const s of res.body.data.items) assert.match(s.name, new RegExp(` of ${tenant.code}$`));
              }),
            ];
          }),
        );
      }
    } finally {
      sampling = false;
      await sampler;
    }
    const stats = stack.ctx.budget.stats();
    // eslint-disable-next-line no-console
    console.log(
      `      ${TENANTS * 6} requests in ${Date.now() - started} ms; peak ${stats.peakOpen} connections (pool manager), ` +
        `${maxServerSide} (MariaDB PROCESSLIST, ${samples} samples); ${stats.created} opened`,
    );
    assert.ok(stats.peakOpen <= BUDGET, `pool manager peaked at ${stats.peakOpen}`);
    assert.ok(maxServerSide <= BUDGET, `MariaDB saw ${maxServerSide} connections of the tenant account`);
    assert.ok(maxServerSide > 0 && samples > 3, 'the sampler observed the load');
    assert.equal(stats.waiting, 0);
    assert.equal(stats.busy, 0);
  });

  it('when a user of one tenant sends each other tenant code, then every request is refused', async () => {
    const probe = tenants[0]!.admin;
    const results = await Promise.all(
      tenants.slice(1).map(({ tenant }) => http('GET', `${stack.url}/api/classes`, { headers: tenantHeader(tenant.code), token: probe.token })),
    );
    for (const res of results) assert.equal(res.status, 403);
  });
});
