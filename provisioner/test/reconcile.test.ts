import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Queue, UnrecoverableError, Worker as BullWorker } from 'bullmq';
import { parse as parseYaml } from 'yaml';
import { connect, QUEUES, repoRoot, type RowDataPacket } from '@kg/shared';
import { http, testMysqlTarget } from '@kg/shared/testing';
import {
  countRows,
  createActiveTenant,
  makeDue,
  startLifecycleWorld,
  type LifecycleWorld,
} from '../../control-plane/test/helpers/lifecycle-fixture';
import { enqueueDuePurges } from '../src/modules/cleanup/purge-run.job';
import { createReconciler } from '../src/modules/reconcile/reconciler';
import { requestRollout } from '../src/modules/rollout/enqueue';
import { startRollout } from '../src/modules/rollout/rollout.service';
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
import { freePort, loseQueueData, metricNames, reconciled } from './helpers/reconcile';
import { eventually, startProvisioner } from './helpers/worker-context';

async function provisioningError(env: ProvisioningEnv, code: string): Promise<string> {
  const [[t]] = await env.cp.db.query<RowDataPacket[]>('SELECT provisioning_error FROM tenants WHERE tenant_id = ?', [code]);
  return String(t!.provisioning_error);
}

describe('reconciler: tenants whose create job was lost or given up on', function () {
  this.timeout(300_000);
  let env: ProvisioningEnv;
  /** Short reconciler settings; attempts and backoff as the test control plane enqueues them. */
  let reconcileEnv: Record<string, string>;
  let created = 0;

  before(async () => {
    env = await startProvisioningEnv('reconcile');
    reconcileEnv = {
      RECONCILE_INTERVAL_MS: '500',
      PROVISIONER_STUCK_AFTER_MS: '4000',
      PROVISIONER_MAX_ATTEMPTS: '3',
      PROVISIONER_BACKOFF_MS: '200',
    };
  });

  after(async () => {
    await env?.close();
  });

  /** A provisioner in this process (quiet) whose reconciler treats anything without a job as stuck at once. */
  const inProcessEnv = () => ({ ...env.workerEnv, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', PROVISIONER_STUCK_AFTER_MS: '0' });

  async function createTenants(codes: string[]): Promise<void> {
    for (const code of codes) {
      const res = await createTenantRequest(env, await createBody(env, { tenantCode: code }));
      assert.equal(res.status, 202, JSON.stringify(res.body));
      created++;
    }
  }

  async function assertProvisionedOnce(codes: string[]): Promise<void> {
    for (const code of codes) {
      const { tables, ...rest } = await footprint(env, code);
      assert.deepEqual(rest, PROVISIONED, code);
      assert.ok(tables > 20, code);
    }
    assert.equal((await tenantDatabases(env.dbPrefix)).length, created, 'exactly one database per tenant');
  }

  it('when every queue key is deleted while 6 tenants provision, then all end active with one database, DNS record, admin relation and account each', async () => {
    const codes = ['k601', 'k602', 'k603', 'k604', 'k605', 'k606'];
    await createTenants(codes);
    const worker = env.startWorker(reconcileEnv);
    try {
      await eventually(async () => {
        const [[n]] = await env.cp.db.query<RowDataPacket[]>(
          "SELECT COUNT(*) AS n FROM tenant_init_steps WHERE tenant_id IN (?) AND status = 'completed'",
          [codes],
        );
        return Number(n!.n) > 0;
      }, 60_000, 'provisioning under way');
      await loseQueueData(env.cp.config.REDIS_KEY_PREFIX);
      const [lost] = await env.cp.db.query<RowDataPacket[]>("SELECT tenant_id FROM tenants WHERE tenant_id IN (?) AND status = 'provisioning'", [codes]);
      assert.ok(lost.length >= 3, `tenants still provisioning when Redis lost its data: ${lost.length}`);

      for (const code of codes) await waitForStatus(env, code, ['active', 'failed'], 90_000);
      await assertProvisionedOnce(codes);
      const requeued = reconciled(worker).filter((r) => r.reconcile === 'create_requeued');
      assert.ok(requeued.length >= lost.length - 2, `re-enqueued ${requeued.length} of ${lost.length} lost pipelines`);
      assert.match(requeued[0]!.reason, /no create job, no progress for \d+ s/);
    } finally {
      await worker.stop();
    }
  });

  it('when the queue keys are deleted and the worker running a pipeline is SIGKILLed, then another worker finishes every tenant, resuming the interrupted step', async () => {
    const codes = ['k611', 'k612', 'k613', 'k614'];
    const doomed = env.startWorker({ ...reconcileEnv, PROVISIONER_FAULT: 'clone_template:mid:hang' });
    await createTenants(codes);
    await doomed.waitFor(/PROVISIONER_FAULT_HIT clone_template:mid/, 60_000);
    await loseQueueData(env.cp.config.REDIS_KEY_PREFIX);
    await doomed.kill();
    const [frozen] = await env.cp.db.query<RowDataPacket[]>(
      "SELECT tenant_id FROM tenant_init_steps WHERE tenant_id IN (?) AND step_name = 'clone_template' AND status = 'running'",
      [codes],
    );
    assert.ok(frozen.length >= 1, 'a pipeline was cut off in the middle of clone_template');

    const rescuer = env.startWorker(reconcileEnv);
    try {
      for (const code of codes) await waitForStatus(env, code, ['active', 'failed'], 90_000);
      await assertProvisionedOnce(codes);
      for (const { tenant_id: code } of frozen) {
        const [steps] = await env.cp.db.query<RowDataPacket[]>(
          'SELECT step_name, attempts FROM tenant_init_steps WHERE tenant_id = ? ORDER BY step_order',
          [code],
        );
        assert.deepEqual(
          steps.map((s) => s.attempts),
          [1, 1, 2, 1, 1, 1, 1, 1],
          `${code} resumed at clone_template and ran no completed step again`,
        );
      }
      const requeued = reconciled(rescuer).filter((r) => r.reconcile === 'create_requeued').map((r) => r.tenantCode);
      for (const { tenant_id: code } of frozen) assert.ok(requeued.includes(code), `${code} re-enqueued by the reconciler`);
    } finally {
      await rescuer.stop();
    }
  });

  it('when a create job stalls more often than allowed (its worker SIGKILLed), then BullMQ gives up and the tenant is failed with the reason, not left provisioning', async () => {
    const doomed = env.startWorker({ PROVISIONER_FAULT: 'create_admin:mid:hang' });
    await createTenants(['k621']);
    await doomed.waitFor(/PROVISIONER_FAULT_HIT create_admin:mid/, 60_000);
    await doomed.kill();
    // No reconciler here: the job failure path alone must fail the tenant.
    const next = env.startWorker({ PROVISIONER_MAX_STALLED_COUNT: '0', RECONCILE_INTERVAL_MS: '0' });
    try {
      assert.equal(await waitForStatus(env, 'k621', ['active', 'failed'], 60_000), 'failed');
      assert.match(await provisioningError(env, 'k621'), /^pipeline: job create-k621 gave up after \d+ attempt\(s\): job stalled more than allowable limit/);
      const progress = (await http('GET', `${env.cp.url}/api/tenants/k621/progress`, { token: env.tokens.operator })).body.data;
      assert.equal(progress.status, 'failed');
      assert.match(progress.error, /stalled more than allowable limit/);
      assert.deepEqual(reconciled(next).map((r) => [r.reconcile, r.tenantCode]), [['create_failed', 'k621']]);
    } finally {
      await next.stop();
    }
  });

  it('when a create job failed for good but its tenant is still provisioning, then the reconciler fails the tenant with the reason BullMQ recorded', async () => {
    await createTenants(['k631']);
    const p = await startProvisioner(inProcessEnv(), { workers: false });
    const reconciler = createReconciler(p.ctx);
    try {
      // A worker without this provisioner's failure hook (an older release, or one killed right
      // after BullMQ moved the job to failed) gives the job up.
      const bare = new BullWorker(
        QUEUES.lifecycle,
        async () => {
          throw new UnrecoverableError('disk on fire');
        },
        { connection: p.ctx.bullConnection, prefix: p.ctx.bullPrefix },
      );
      await new Promise<void>((resolve) => bare.on('failed', () => resolve()));
      await bare.close();
      assert.equal(await waitForStatus(env, 'k631', ['provisioning']), 'provisioning');

      const report = await reconciler.runOnce();
      assert.equal(report.ran, true);
      assert.deepEqual(report.actions.map((a) => [a.kind, a.tenantCode]), [['create_failed', 'k631']]);
      assert.equal(await waitForStatus(env, 'k631', ['failed']), 'failed');
      assert.equal(await provisioningError(env, 'k631'), 'pipeline: job create-k631 failed after 1 attempt(s): disk on fire');
      // Nothing left to do: a second run changes nothing.
      assert.deepEqual((await reconciler.runOnce()).actions, []);
    } finally {
      await reconciler.stop();
      await p.close();
    }
  });

  it('when another replica is reconciling, then a run does nothing until it is done', async () => {
    const name = `kg-reconcile:${crypto.createHash('sha1').update(env.cp.config.CONTROL_DB_NAME).digest('hex')}`;
    const holder = await connect(testMysqlTarget());
    const p = await startProvisioner(inProcessEnv(), { workers: false });
    const reconciler = createReconciler(p.ctx);
    try {
      await holder.query('SELECT GET_LOCK(?, 0)', [name]);
      assert.deepEqual(await reconciler.runOnce(), { ran: false, actions: [] });
      await holder.query('SELECT RELEASE_LOCK(?)', [name]);
      assert.equal((await reconciler.runOnce()).ran, true);
    } finally {
      await reconciler.stop();
      await p.close();
      await holder.end();
    }
  });

  it('when a tenant has been provisioning for over 10 minutes, then the alert rule in deploy/prometheus/alerts.yml fires on a metric the worker exports', async () => {
    const file = path.join(repoRoot(), 'deploy', 'prometheus', 'alerts.yml');
    const doc = parseYaml(fs.readFileSync(file, 'utf8')) as { groups: Array<{ name: string; rules: Array<Record<string, any>> }> };
    assert.ok(Array.isArray(doc.groups) && doc.groups.length > 0, 'a rule file has groups');
    const rules = doc.groups.flatMap((g) => {
      assert.equal(typeof g.name, 'string');
      assert.ok(Array.isArray(g.rules) && g.rules.length > 0, `group ${g.name} has rules`);
      return g.rules;
    });
    for (const rule of rules) {
      assert.equal(typeof rule.alert, 'string', 'every rule is an alerting rule with a name');
      assert.equal(typeof rule.expr, 'string', `${rule.alert} has an expression`);
      if (rule.for !== undefined) assert.match(String(rule.for), /^\d+[smhd]$/, `${rule.alert} for`);
      assert.ok(rule.labels?.severity, `${rule.alert} has a severity`);
      assert.ok(rule.annotations?.summary, `${rule.alert} has a summary`);
    }
    const stuck = rules.find((r) => /provisioner_oldest_provisioning_seconds/.test(r.expr));
    assert.ok(stuck, 'a rule watches the oldest provisioning tenant');
    const threshold = Number(/>\s*(\d+)/.exec(stuck.expr)?.[1]);
    assert.equal(threshold, 600, 'it fires past 10 minutes');

    // A tenant created 11 minutes ago and still provisioning, seen by a worker's /metrics.
    await createTenants(['k641']);
    await env.cp.db.query('UPDATE tenants SET created_at = NOW(3) - INTERVAL 11 MINUTE WHERE tenant_id = ?', ['k641']);
    const port = await freePort();
    const worker = env.startWorker({ PROVISIONER_METRICS_PORT: String(port), PROVISIONER_FAULT: 'reserve_subdomain:before:hang' });
    try {
      await worker.waitFor(/PROVISIONER_FAULT_HIT reserve_subdomain:before/, 60_000);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const exported = new Set([...metrics.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
      for (const rule of rules) {
        const names = metricNames(String(rule.expr));
        assert.ok(names.length > 0, `${rule.alert} names a metric`);
        for (const n of names) assert.ok(exported.has(n), `${rule.alert}: the provisioner exports ${n}`);
      }
      const age = Number(/^provisioner_oldest_provisioning_seconds(?:\{[^}]*\})? (\S+)$/m.exec(metrics)?.[1]);
      assert.ok(age > threshold, `oldest provisioning age ${age} s is past the threshold`);
      for (const kind of ['create_requeued', 'create_failed', 'cleanup_requeued', 'rollout_requeued', 'rollout_advanced']) {
        assert.match(metrics, new RegExp(`^provisioner_reconciled_total\\{[^}]*kind="${kind}"[^}]*\\} \\d+$`, 'm'));
      }
    } finally {
      await worker.kill();
    }
  });
});

describe('reconciler: purge entries and rollouts whose jobs vanished', function () {
  this.timeout(120_000);
  let w: LifecycleWorld;
  let producer: Awaited<ReturnType<typeof startProvisioner>>;
  let p: Awaited<ReturnType<typeof startProvisioner>>;
  let reconciler: ReturnType<typeof createReconciler>;

  before(async () => {
    w = await startLifecycleWorld('reconcile-records', { ROLLOUT_CONCURRENCY: '2' });
    // Enqueues without running anything, so the test can lose the jobs before a worker sees them.
    producer = await startProvisioner(w.provisionerEnv, { workers: false });
  });
  after(async () => {
    await reconciler?.stop();
    await p?.close();
    await producer?.close();
    await w?.close();
  });

  /** Starts the workers and a reconciler that treats anything without a job as stuck at once. */
  async function startWorkersAndReconciler(): Promise<void> {
    p = await startProvisioner({ ...w.provisionerEnv, PROVISIONER_STUCK_AFTER_MS: '0', CLEANUP_CRON: '0 3 * * *' });
    reconciler = createReconciler(p.ctx);
  }

  async function cleanupStatuses(code: string): Promise<string[]> {
    const [rows] = await w.cp.db.query<RowDataPacket[]>('SELECT status FROM tenant_resource_cleanup WHERE tenant_code = ? ORDER BY id', [code]);
    return rows.map((r) => String(r.status));
  }

  async function deleteTenant(code: string): Promise<void> {
    const res = await http('DELETE', `${w.cp.url}/api/tenant/${code}`, { token: w.tokens.admin });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  }

  it('when a purge entry in progress and entries due before the last purge run lost their jobs, then the reconciler finishes the purge; an entry due since then waits for the next run', async () => {
    const overdue = await createActiveTenant(w, 'k701');
    await deleteTenant(overdue.code);
    await w.cp.db.query("UPDATE tenants SET scheduled_deletion_at = NOW(3) - INTERVAL 2 DAY WHERE tenant_id = 'k701'");
    await w.cp.db.query("UPDATE tenant_resource_cleanup SET scheduled_deletion_at = NOW(3) - INTERVAL 2 DAY WHERE tenant_code = 'k701'");
    const recent = await createActiveTenant(w, 'k702');
    await deleteTenant(recent.code);
    await makeDue(w, recent.code);

    // The daily run enqueued the overdue entries, a worker claimed one and died, then Redis lost every job.
    const run = await enqueueDuePurges(producer.ctx, 'schedule');
    assert.ok(run.enqueued >= 3);
    const [[claimed]] = await w.cp.db.query<RowDataPacket[]>("SELECT id FROM tenant_resource_cleanup WHERE tenant_code = 'k701' AND resource_type = 'database'");
    await w.cp.db.query("UPDATE tenant_resource_cleanup SET status = 'in_progress', deletion_started_at = NOW(3) WHERE id = ?", [claimed!.id]);
    await loseQueueData(w.cp.config.REDIS_KEY_PREFIX);

    await startWorkersAndReconciler();
    const report = await reconciler.runOnce();
    const requeued = report.actions.filter((a) => a.kind === 'cleanup_requeued');
    const [k701Rows] = await w.cp.db.query<RowDataPacket[]>("SELECT id FROM tenant_resource_cleanup WHERE tenant_code = 'k701' ORDER BY id");
    assert.deepEqual(requeued.map((a) => a.cleanupId).sort(), k701Rows.map((r) => Number(r.id)).sort(), 'every k701 entry, none of k702');
    assert.match(requeued.find((a) => a.cleanupId === Number(claimed!.id))!.reason, /in progress, no change for/);

    await eventually(async () => (await cleanupStatuses('k701')).every((s) => s === 'completed'), 30_000, 'k701 purged');
    await eventually(async () => {
      const [[t]] = await w.cp.db.query<RowDataPacket[]>("SELECT status FROM tenants WHERE tenant_id = 'k701'");
      return t!.status === 'purged';
    }, 10_000, 'k701 purged');
    assert.equal(await countRows(overdue.databaseName, 'students'), null, 'database dropped');

    // k702 became due after the last CLEANUP_CRON run: the reconciler leaves it to the schedule.
    assert.deepEqual(await cleanupStatuses('k702'), ['pending', 'pending', 'pending']);
    assert.equal(await countRows(recent.databaseName, 'students'), 3);
  });

  it('when the jobs of a rollout vanish in its canary batch, then the reconciler continues it and every tenant is migrated', async () => {
    const codes = ['k711', 'k712', 'k713', 'k714'];
    for (const code of codes) await createActiveTenant(w, code);
    fs.writeFileSync(path.join(w.migrationsDir, '002_student_nickname.sql'), 'ALTER TABLE students ADD COLUMN nickname VARCHAR(50) NULL;');
    await reconciler?.stop();
    await p?.close();

    // The start job ran (template migrated, tenants recorded, canary enqueued), then Redis lost every job.
    const { rolloutId } = await requestRollout(producer.ctx, { canarySize: 1, concurrency: 2 });
    await startRollout(producer.ctx, rolloutId);
    await loseQueueData(w.cp.config.REDIS_KEY_PREFIX);

    await startWorkersAndReconciler();
    const report = await reconciler.runOnce();
    assert.deepEqual(report.actions.map((a) => [a.kind, a.rolloutId]), [['rollout_requeued', rolloutId]]);
    assert.match(report.actions[0]!.reason, /^1 tenant\(s\) neither done nor queued \(k711\)/);

    const done = await eventually(async () => {
      const [[r]] = await w.cp.db.query<RowDataPacket[]>('SELECT status FROM schema_rollouts WHERE id = ?', [rolloutId]);
      return r!.status !== 'running' && r!.status;
    }, 30_000, 'rollout finished');
    assert.equal(done, 'completed');
    const [rows] = await w.cp.db.query<RowDataPacket[]>(
      'SELECT tenant_code, status FROM schema_rollout_tenants WHERE rollout_id = ? ORDER BY position',
      [rolloutId],
    );
    assert.deepEqual(rows.filter((r) => codes.includes(r.tenant_code)).map((r) => r.status), ['completed', 'completed', 'completed', 'completed']);
    const [versions] = await w.cp.db.query<RowDataPacket[]>('SELECT schema_version FROM tenants WHERE tenant_id IN (?)', [codes]);
    assert.deepEqual(versions.map((v) => v.schema_version), [2, 2, 2, 2]);
  });

  it('when a rollout lost its start job before it ran, then the reconciler starts it and it finishes', async () => {
    fs.writeFileSync(path.join(w.migrationsDir, '003_student_guardian.sql'), 'ALTER TABLE students ADD COLUMN guardian VARCHAR(50) NULL;');
    await reconciler?.stop();
    await p?.close();
    const { rolloutId } = await requestRollout(producer.ctx, { canarySize: 0, concurrency: 2 });
    await loseQueueData(w.cp.config.REDIS_KEY_PREFIX);
    const rolloutQueue = new Queue(QUEUES.rollout, { connection: producer.ctx.bullConnection, prefix: producer.ctx.bullPrefix });
    assert.equal(await rolloutQueue.getJob(`rollout-${rolloutId}-start`), undefined, 'the start job is gone');
    await rolloutQueue.close();

    await startWorkersAndReconciler();
    const report = await reconciler.runOnce();
    assert.deepEqual(report.actions.map((a) => [a.kind, a.rolloutId, a.jobId]), [['rollout_requeued', rolloutId, `rollout-${rolloutId}-start`]]);
    const done = await eventually(async () => {
      const [[r]] = await w.cp.db.query<RowDataPacket[]>('SELECT status FROM schema_rollouts WHERE id = ?', [rolloutId]);
      return !['pending', 'running'].includes(r!.status) && r!.status;
    }, 30_000, 'rollout finished');
    assert.equal(done, 'completed');
    const [[n]] = await w.cp.db.query<RowDataPacket[]>(
      "SELECT COUNT(*) AS n, SUM(status = 'completed') AS completed FROM schema_rollout_tenants WHERE rollout_id = ?",
      [rolloutId],
    );
    const [[active]] = await w.cp.db.query<RowDataPacket[]>("SELECT COUNT(*) AS n FROM tenants WHERE status = 'active'");
    assert.equal(Number(n!.n), Number(active!.n), 'every active tenant');
    assert.equal(Number(n!.completed), Number(n!.n), 'all migrated');
  });
});
