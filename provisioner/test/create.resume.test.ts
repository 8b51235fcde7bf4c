import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { connect, CREATE_STEPS, type RowDataPacket } from '@kg/shared';
import { testMysqlTarget } from '@kg/shared/testing';
import {
  createBody,
  createTenantRequest,
  footprint,
  PROVISIONED,
  startProvisioningEnv,
  tenantDatabases,
  waitForStatus,
  type ProvisioningEnv,
} from './helpers/provisioning';

/**
 * A worker killed at any point resumes at that step and ends with exactly one database, one DNS
 * record, one admin relation (docs/provisioning.md, Idempotence and resume). For every step, a
 * worker is frozen in the middle of it (PROVISIONER_FAULT=<step>:mid:hang) and SIGKILLed; a fresh
 * worker takes the job over once its BullMQ lock expires and finishes the tenant. The
 * clone_template case stops the clone half way through templates-db's cloneTemplate, the one
 * clone production runs.
 */
describe('tenant create pipeline: a worker SIGKILLed in the middle of each step', function () {
  this.timeout(300_000);
  let env: ProvisioningEnv;
  let created = 0;

  before(async () => {
    env = await startProvisioningEnv('resume');
  });

  after(async () => {
    await env?.close();
  });

  it('when the worker dies after create_admin did its work but before recording it, then the rerun binds the admin once', async () => {
    const code = 'k301';
    const doomed = env.startWorker({ PROVISIONER_FAULT: 'create_admin:after:hang' });
    const res = await createTenantRequest(env, await createBody(env, { tenantCode: code }));
    assert.equal(res.status, 202);
    created++;
    await doomed.waitFor(/PROVISIONER_FAULT_HIT create_admin:after/);
    await doomed.kill();
    const rescuer = env.startWorker();
    try {
      await waitForStatus(env, code, ['active', 'failed'], 60_000);
      const { tables, ...rest } = await footprint(env, code);
      assert.deepEqual(rest, PROVISIONED);
      const [[users]] = await env.cp.db.query<RowDataPacket[]>(
        'SELECT COUNT(*) AS n FROM global_users u JOIN tenants t ON t.contact_phone = u.phone WHERE t.tenant_id = ?',
        [code],
      );
      assert.equal(Number(users!.n), 1);
    } finally {
      await rescuer.stop();
    }
  });

  it("when another pipeline holds the tenant's lock, then a worker waits for it and runs no step until it is released", async () => {
    const code = 'k302';
    const lockName = `kg-create:${crypto.createHash('sha1').update(`${env.cp.config.CONTROL_DB_NAME}/${code}`).digest('hex')}`;
    const holder = await connect(testMysqlTarget());
    try {
      const [[got]] = await holder.query<RowDataPacket[]>('SELECT GET_LOCK(?, 0) AS got', [lockName]);
      assert.equal(Number(got!.got), 1);
      const worker = env.startWorker({ PROVISIONER_TENANT_LOCK_WAIT_MS: '30000' });
      try {
        const res = await createTenantRequest(env, await createBody(env, { tenantCode: code }));
        assert.equal(res.status, 202);
        created++;
        await new Promise((r) => setTimeout(r, 5000));
        const [[started]] = await env.cp.db.query<RowDataPacket[]>(
          'SELECT SUM(attempts) AS n FROM tenant_init_steps WHERE tenant_id = ?',
          [code],
        );
        assert.equal(Number(started!.n), 0, 'no step ran while another pipeline held the lock');
        await holder.query('SELECT RELEASE_LOCK(?)', [lockName]);
        await waitForStatus(env, code, ['active', 'failed'], 60_000);
        const { tables, ...rest } = await footprint(env, code);
        assert.deepEqual(rest, PROVISIONED);
      } finally {
        await worker.stop();
      }
    } finally {
      await holder.end();
    }
  });

  for (const step of CREATE_STEPS) {
    it(`when the worker dies in the middle of ${step.name} (step ${step.order}), then a new worker resumes there and the tenant ends active, once`, async () => {
      const code = `k${String(200 + step.order)}`;
      const doomed = env.startWorker({ PROVISIONER_FAULT: `${step.name}:mid:hang` });
      const res = await createTenantRequest(env, await createBody(env, { tenantCode: code }));
      assert.equal(res.status, 202, JSON.stringify(res.body));
      created++;
      await doomed.waitFor(new RegExp(`PROVISIONER_FAULT_HIT ${step.name}:mid`));
      await doomed.kill();

      const [[frozen]] = await env.cp.db.query<RowDataPacket[]>(
        'SELECT status, attempts FROM tenant_init_steps WHERE tenant_id = ? AND step_name = ?',
        [code, step.name],
      );
      if (step.name !== 'activate') assert.deepEqual({ ...frozen }, { status: 'running', attempts: 1 });

      const rescuer = env.startWorker();
      try {
        await waitForStatus(env, code, ['active', 'failed'], 60_000);
        // The activate step commits before its midpoint: let the rescuer finish the bookkeeping.
        await new Promise((r) => setTimeout(r, step.name === 'activate' ? 3000 : 0));
        const { tables, ...rest } = await footprint(env, code);
        assert.deepEqual(rest, PROVISIONED);
        assert.ok(tables > 20);
        const [steps] = await env.cp.db.query<RowDataPacket[]>(
          'SELECT step_name, status, attempts FROM tenant_init_steps WHERE tenant_id = ? ORDER BY step_order',
          [code],
        );
        for (const s of steps) {
          const expected = s.step_name === step.name && step.name !== 'activate' ? 2 : 1;
          assert.equal(s.attempts, expected, `${s.step_name} attempts`);
        }
        assert.equal((await tenantDatabases(env.dbPrefix)).length, created, 'exactly one database per tenant');
      } finally {
        await rescuer.stop();
      }
    });
  }
});
