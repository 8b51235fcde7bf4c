import assert from 'node:assert/strict';
import net from 'node:net';
import type { RowDataPacket } from '@kg/shared';
import { http } from '@kg/shared/testing';
import {
  createBody,
  createTenantRequest,
  footprint,
  PROVISIONED,
  startProvisioningEnv,
  tenantDatabases,
  waitForStatus,
  type ProvisioningEnv,
  type Worker,
} from './helpers/provisioning';

/** Reads a server-sent event stream until it ends; returns the events. */
async function readEvents(url: string, token: string): Promise<Array<{ event: string; data: any }>> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
  const text = await res.text();
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('event:'))
    .map((block) => {
      const [eventLine, dataLine] = block.split('\n');
      return { event: eventLine!.slice('event: '.length), data: JSON.parse(dataLine!.slice('data: '.length)) };
    });
}

describe('tenant create pipeline (POST /api/tenant/create -> provisioner)', function () {
  this.timeout(120_000);
  let env: ProvisioningEnv;
  let worker: Worker | undefined;

  before(async () => {
    env = await startProvisioningEnv('create');
  });

  after(async () => {
    await worker?.stop();
    await env?.close();
  });

  it('when an operator creates a tenant, then it ends active with one database, DNS record, admin, account and its folders', async () => {
    worker = env.startWorker();
    const body = await createBody(env, { tenantCode: 'k001', subdomain: 'k001', planType: 'standard' });
    const res = await createTenantRequest(env, body);
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.deepEqual(
      { tenantCode: res.body.data.tenantCode, jobId: res.body.data.jobId, status: res.body.data.status },
      { tenantCode: 'k001', jobId: 'create-k001', status: 'provisioning' },
    );
    assert.equal(res.body.data.databaseName, `${env.dbPrefix}001`);
    assert.equal(res.body.data.storagePrefix, `${body.contactPhone}/`);

    const events = await readEvents(`${env.cp.url}/api/tenants/k001/progress/stream`, env.tokens.operator);
    assert.equal(events.at(-1)!.event, 'end');
    assert.equal(events.at(-1)!.data.status, 'active');
    assert.ok(events.filter((e) => e.event === 'progress').length >= 2, 'a progress event per step change');
    await waitForStatus(env, 'k001', ['active']);

    const fp = await footprint(env, 'k001');
    const { tables, ...rest } = fp;
    assert.deepEqual(rest, PROVISIONED);
    assert.ok(tables > 20, `template tables cloned (${tables})`);
    // The parallel clone gives the same tables, keys and foreign keys as the template.
    const shape = async (schema: string) => {
      const [rows] = await env.cp.db.query<RowDataPacket[]>(
        `SELECT (SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?) AS tables,
                (SELECT COUNT(*) FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ?) AS fks,
                (SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ?) AS index_columns,
                (SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ?) AS columns`,
        [schema, schema, schema, schema],
      );
      return { ...rows[0] };
    };
    assert.deepEqual(await shape(`${env.dbPrefix}001`), await shape(env.cp.config.TEMPLATE_DB_NAME));

    const [[tenant]] = await env.cp.db.query<RowDataPacket[]>(
      'SELECT dns_record_id, schema_version, provisioning_error, max_users FROM tenants WHERE tenant_id = ?',
      ['k001'],
    );
    assert.ok(tenant!.dns_record_id, 'dns_record_id stored');
    assert.ok(Number(tenant!.schema_version) >= 1, 'schema_version recorded');
    assert.equal(tenant!.max_users, 100, 'standard plan limits');
    const [[account]] = await env.cp.db.query<RowDataPacket[]>('SELECT balance, credit_limit FROM tenant_accounts WHERE tenant_id = ?', ['k001']);
    assert.equal(Number(account!.credit_limit), 200, 'credit limit of the standard plan');

    // Progress: every step completed with timings; the one-time password is shown exactly once.
    const progress = await http('GET', `${env.cp.url}/api/tenants/k001/progress`, { token: env.tokens.operator });
    assert.equal(progress.status, 200);
    const p = progress.body.data;
    assert.equal(p.status, 'active');
    assert.equal(p.currentStep, 8);
    assert.equal(p.totalSteps, 8);
    assert.deepEqual(
      p.steps.map((s: any) => [s.name, s.status]),
      [
        ['reserve_subdomain', 'completed'],
        ['create_database', 'completed'],
        ['clone_template', 'completed'],
        ['create_admin', 'completed'],
        ['copy_ai_models', 'completed'],
        ['create_storage', 'completed'],
        ['open_account', 'completed'],
        ['activate', 'completed'],
      ],
    );
    for (const s of p.steps) {
      assert.equal(s.attempts, 1);
      assert.ok(s.startedAt && s.completedAt && s.durationMs !== null, `${s.name} has timings`);
    }
    assert.equal(p.adminCredentials.phone, body.contactPhone);
    assert.ok(p.adminCredentials.oneTimePassword.length >= 12);
    const again = await http('GET', `${env.cp.url}/api/tenants/k001/progress`, { token: env.tokens.operator });
    assert.equal(again.body.data.adminCredentials, undefined, 'shown once');

    // The admin signs in with the one-time password and sees the tenant.
    const login = await http('POST', `${env.cp.url}/api/auth/login`, {
      body: { phone: body.contactPhone, password: p.adminCredentials.oneTimePassword },
    });
    assert.equal(login.status, 200, JSON.stringify(login.body));
    assert.deepEqual(
      login.body.data.tenants.map((t: any) => [t.tenantCode, t.role]),
      [['k001', 'admin']],
    );
  });

  it('when the same code is created again, then 409; a user that already exists is bound without a new password', async () => {
    const dup = await createTenantRequest(env, await createBody(env, { tenantCode: 'k001' }));
    assert.equal(dup.status, 409);
    assert.equal(dup.body.error.code, 'TENANT_CONFLICT');

    // Same contact phone as k001: the global user exists, and the storage prefix must differ.
    const [[k001]] = await env.cp.db.query<RowDataPacket[]>('SELECT contact_phone FROM tenants WHERE tenant_id = ?', ['k001']);
    const res = await createTenantRequest(env, await createBody(env, { tenantCode: 'k002', contactPhone: k001!.contact_phone }));
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(res.body.data.storagePrefix, `${k001!.contact_phone}-k002/`);
    await waitForStatus(env, 'k002', ['active']);
    const progress = await http('GET', `${env.cp.url}/api/tenants/k002/progress`, { token: env.tokens.operator });
    assert.equal(progress.body.data.adminCredentials, undefined);
    const [[users]] = await env.cp.db.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM global_users WHERE phone = ?', [k001!.contact_phone]);
    assert.equal(Number(users!.n), 1);
    const { tables, ...rest } = await footprint(env, 'k002');
    assert.deepEqual(rest, PROVISIONED);
  });

  it('when the request is invalid, then 400 with the offending fields; a wrong SMS code is refused', async () => {
    const bad = await createTenantRequest(env, { tenantCode: 'x1', name: '', contactEmail: 'nope', contactPhone: '123', smsVerificationCode: '1' });
    assert.equal(bad.status, 400);
    const fields = bad.body.error.details.map((d: any) => d.field);
    for (const f of ['tenantCode', 'name', 'contactName', 'contactEmail', 'contactPhone']) assert.ok(fields.includes(f), f);
    const wrongCode = await createTenantRequest(env, { ...(await createBody(env)), smsVerificationCode: '000000' });
    assert.equal(wrongCode.status, 400);
    assert.match(wrongCode.body.error.code, /^SMS_CODE/);
    const noToken = await http('POST', `${env.cp.url}/api/tenant/create`, { body: {} });
    assert.equal(noToken.status, 401);
  });

  it('when two creates race for one code, then one gets 202 and the other 409; omitted codes get distinct next codes', async () => {
    const [a, b] = await Promise.all([
      createBody(env, { tenantCode: 'k050' }).then((body) => createTenantRequest(env, body)),
      createBody(env, { tenantCode: 'k050' }).then((body) => createTenantRequest(env, body)),
    ]);
    assert.deepEqual([a.status, b.status].sort(), [202, 409]);

    const bodies = await Promise.all(Array.from({ length: 4 }, () => createBody(env)));
    const results = await Promise.all(bodies.map((body) => createTenantRequest(env, body)));
    assert.deepEqual(results.map((r) => r.status), [202, 202, 202, 202], JSON.stringify(results.map((r) => r.body)));
    const codes = results.map((r) => r.body.data.tenantCode).sort();
    assert.deepEqual(codes, ['k051', 'k052', 'k053', 'k054']);
    for (const code of ['k050', ...codes]) await waitForStatus(env, code, ['active']);
    const dbs = await tenantDatabases(env.dbPrefix);
    assert.equal(dbs.length, 7, 'one database per tenant');
  });

  it('when a step fails permanently, then the tenant is failed with the reason, and retry resumes at that step', async () => {
    await worker?.stop();
    worker = env.startWorker({ PROVISIONER_FAULT: 'copy_ai_models:before:fail' });
    const res = await createTenantRequest(env, await createBody(env, { tenantCode: 'k100' }));
    assert.equal(res.status, 202);
    await waitForStatus(env, 'k100', ['failed']);
    const [[t]] = await env.cp.db.query<RowDataPacket[]>('SELECT provisioning_error FROM tenants WHERE tenant_id = ?', ['k100']);
    assert.match(String(t!.provisioning_error), /copy_ai_models: injected fault/);
    const progress = (await http('GET', `${env.cp.url}/api/tenants/k100/progress`, { token: env.tokens.operator })).body.data;
    assert.equal(progress.status, 'failed');
    assert.match(progress.error, /injected fault/);
    const failed = progress.steps.find((s: any) => s.name === 'copy_ai_models');
    assert.equal(failed.status, 'failed');
    assert.match(failed.error, /injected fault at copy_ai_models:before/);
    assert.equal(progress.steps.filter((s: any) => s.status === 'completed').length, 4);

    const operatorRetry = await http('POST', `${env.cp.url}/api/tenants/k100/retry`, { token: env.tokens.operator });
    assert.equal(operatorRetry.status, 403, 'retry needs the admin role');

    await worker.stop();
    worker = env.startWorker();
    const retry = await http('POST', `${env.cp.url}/api/tenants/k100/retry`, { token: env.tokens.admin });
    assert.equal(retry.status, 202, JSON.stringify(retry.body));
    assert.equal(retry.body.data.fromStep, 'copy_ai_models');
    await waitForStatus(env, 'k100', ['active']);
    const { tables, ...rest } = await footprint(env, 'k100');
    assert.deepEqual(rest, PROVISIONED);
    const after = (await http('GET', `${env.cp.url}/api/tenants/k100/progress`, { token: env.tokens.operator })).body.data;
    assert.equal(after.error, null);
    assert.deepEqual(
      after.steps.map((s: any) => s.attempts),
      [1, 1, 1, 1, 2, 1, 1, 1],
      'completed steps were not run again',
    );
    const again = await http('POST', `${env.cp.url}/api/tenants/k100/retry`, { token: env.tokens.admin });
    assert.equal(again.status, 409, 'an active tenant cannot be retried');
  });

  it('when a step fails transiently, then it is retried with backoff and the tenant still ends active', async () => {
    await worker?.stop();
    worker = env.startWorker({ PROVISIONER_FAULT: 'open_account:mid:flaky' });
    const res = await createTenantRequest(env, await createBody(env, { tenantCode: 'k101' }));
    assert.equal(res.status, 202);
    await waitForStatus(env, 'k101', ['active', 'failed']);
    const progress = (await http('GET', `${env.cp.url}/api/tenants/k101/progress`, { token: env.tokens.operator })).body.data;
    assert.equal(progress.status, 'active');
    assert.equal(progress.steps.find((s: any) => s.name === 'open_account').attempts, 3);
    const { tables, ...rest } = await footprint(env, 'k101');
    assert.deepEqual(rest, PROVISIONED);
  });

  it('when the worker serves /metrics, then it has step durations and queue depths', async () => {
    await worker?.stop();
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise((r) => server.close(r));
    worker = env.startWorker({ PROVISIONER_METRICS_PORT: String(port) });
    const res = await createTenantRequest(env, await createBody(env, { tenantCode: 'k102' }));
    assert.equal(res.status, 202);
    await waitForStatus(env, 'k102', ['active']);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    for (const step of ['reserve_subdomain', 'clone_template', 'activate']) {
      assert.match(metrics, new RegExp(`provisioning_step_duration_seconds_count\\{[^}]*step="${step}"[^}]*outcome="completed"[^}]*\\} 1`));
    }
    assert.match(metrics, /provisioner_queue_jobs\{[^}]*queue="tenant-lifecycle"[^}]*state="waiting"[^}]*\} 0/);
  });

  it('progress of an unknown tenant is 404, and every lifecycle route is in the OpenAPI document', async () => {
    const missing = await http('GET', `${env.cp.url}/api/tenants/k999/progress`, { token: env.tokens.operator });
    assert.equal(missing.status, 404);
    const doc = (await http('GET', `${env.cp.url}/api/openapi.json`)).body;
    assert.ok(doc.paths['/api/tenant/create'].post);
    assert.ok(doc.paths['/api/tenants/{code}/progress'].get);
    assert.ok(doc.paths['/api/tenants/{code}/progress/stream'].get);
    assert.ok(doc.paths['/api/tenants/{code}/retry'].post);
  });
});
