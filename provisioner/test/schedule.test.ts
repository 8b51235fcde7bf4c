import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Queue } from 'bullmq';
import { CLEANUP_JOBS, QUEUES, bullPrefix, repoRoot } from '@kg/shared';
import { startLifecycleWorld, type LifecycleWorld } from '../../control-plane/test/helpers/lifecycle-fixture';
import { eventually } from './helpers/worker-context';

/** Starts a real provisioner process (as PM2 would) with the given env. */
function startWorkerProcess(env: Record<string, string>): ChildProcess {
  const root = repoRoot();
  const child = spawn(
    process.execPath,
    ['--conditions=development', '--import', 'tsx', path.join(root, 'provisioner/src/start/worker.ts')],
    { cwd: root, env: { ...process.env, ...env, KG_SKIP_DOTENV: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stderr!.on('data', (d: Buffer) => process.env.TEST_LOG_LEVEL && process.stderr.write(d));
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

describe('daily cleanup schedule across replicas', function () {
  this.timeout(60_000);
  let w: LifecycleWorld;
  const children: ChildProcess[] = [];
  before(async () => {
    w = await startLifecycleWorld('schedule');
  });
  after(async () => {
    await Promise.all(children.map(stop));
    await w?.close();
  });

  it('when two provisioner processes fire the schedule every second, then one daily purge and one temp cleanup are enqueued, not two', async () => {
    const env = { ...w.provisionerEnv, CLEANUP_CRON: '* * * * * *', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn' };
    children.push(startWorkerProcess(env), startWorkerProcess(env));
    const queue = new Queue(QUEUES.cleanup, {
      connection: { host: new URL(w.cp.config.REDIS_URL).hostname, port: Number(new URL(w.cp.config.REDIS_URL).port || 6379) },
      prefix: bullPrefix(w.cp.config.REDIS_KEY_PREFIX),
    });
    try {
      const day = new Date().toISOString().slice(0, 10);
      // Both processes fire several times; the day's run completes once.
      await eventually(async () => {
        const job = await queue.getJob(`${CLEANUP_JOBS.purgeRun}-${day}`);
        return job && (await job.isCompleted());
      }, 40_000, 'daily purge run completed');
      await new Promise((r) => setTimeout(r, 3000)); // more ticks from both replicas
      for (const c of children) assert.equal(c.exitCode, null, 'worker still running');
      const jobs = await queue.getJobs(['completed', 'failed', 'waiting', 'active', 'delayed']);
      const names = jobs.map((j) => j.name);
      assert.equal(names.filter((n) => n === CLEANUP_JOBS.purgeRun).length, 1, JSON.stringify(jobs.map((j) => j.id)));
      assert.equal(names.filter((n) => n === CLEANUP_JOBS.tempCleanup).length, 1);
    } finally {
      await queue.close();
    }
  });
});
