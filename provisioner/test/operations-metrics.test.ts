import assert from 'node:assert/strict';
import { createActiveTenant, startLifecycleWorld, type LifecycleWorld } from '../../control-plane/test/helpers/lifecycle-fixture';
import { registerOperationsMetrics } from '../src/internal/operations-metrics';
import { runBackups } from '../src/modules/backup/backup-run.service';
import { startProvisioner } from './helpers/worker-context';

type Provisioner = Awaited<ReturnType<typeof startProvisioner>>;

/** The value of one sample line of the exposition text, or undefined. */
function sample(text: string, name: string, label?: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && (!label || l.includes(label)));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

describe('provisioner operations metrics (tenants, cleanup, backups, pools)', function () {
  this.timeout(60_000);
  let w: LifecycleWorld;
  let p: Provisioner;
  before(async () => {
    w = await startLifecycleWorld('opsmetrics');
    p = await startProvisioner(w.provisionerEnv, { workers: false });
    registerOperationsMetrics(p.ctx);
  });
  after(async () => {
    await p?.close();
    await w?.close();
  });

  it('when tenants exist in several statuses and a backup ran, then one scrape shows them, the backup time and the control pool', async () => {
    await createActiveTenant(w, 'k601');
    await createActiveTenant(w, 'k602');
    await createActiveTenant(w, 'k603', { status: 'suspended' });
    let text = await p.ctx.metrics.registry.metrics();
    assert.equal(sample(text, 'tenants', 'status="active"'), 2);
    assert.equal(sample(text, 'tenants', 'status="suspended"'), 1);
    assert.equal(sample(text, 'backup_last_success_timestamp_seconds'), 0, 'no backup yet');
    assert.equal(sample(text, 'db_pool_connection_limit', 'pool="control"'), 10);
    assert.ok(sample(text, 'db_pool_requests_waiting', 'pool="control"') !== undefined);

    await runBackups(p.ctx, { backupType: 'manual', items: [{ tenantCode: 'k601', databaseName: w.cp.config.TEMPLATE_DB_NAME, dbServerId: null }] });
    text = await p.ctx.metrics.registry.metrics();
    const at = sample(text, 'backup_last_success_timestamp_seconds')!;
    assert.ok(Math.abs(at - Date.now() / 1000) < 60, `backup time ${at}`);
    assert.equal(sample(text, 'backup_failures_last_day'), 0);
  });
});
