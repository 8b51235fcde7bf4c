import { parseArgs } from 'node:util';
import { ConfigError, mysqlTargetFromConfig, schemaDriftReport, type RolloutView } from '@kg/shared';
import { loadConfig } from '../config';
import { buildContext, closeContext } from '../internal/build-context';
import { requestRollout } from '../modules/rollout/enqueue';
import { getRollout } from '../modules/rollout/rollout.repository';
import { startWorkers } from '../start/worker';

const USAGE = `Schema rollout (docs/provisioning.md, Schema rollout)

  rollout start [--canary N] [--concurrency N] [--wait] [--local]
      Applies pending templates-db migrations to the template, then to every active and
      suspended tenant as queued jobs. --wait prints progress until it ends; --local also runs
      the workers in this process (when no provisioner is running).
  rollout status <id>        progress and failed tenants of a rollout
  rollout drift [--all]      tenants whose schema differs from the template (--all: every tenant)
`;

function line(r: RolloutView): string {
  const p = r.progress;
  return `rollout ${r.id} ${r.status} (${r.phase}) v${r.targetVersion ?? '?'}: ${p.completed} done, ${p.failed} failed, ${p.skipped} skipped, ${p.running} running, ${p.pending} pending of ${r.totalTenants} [${p.percent}%]`;
}

function printFailures(r: RolloutView): void {
  for (const t of r.tenants.filter((x) => x.status === 'failed')) console.log(`  ${t.tenantCode}: ${t.error}`);
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      canary: { type: 'string', default: '0' },
      concurrency: { type: 'string' },
      wait: { type: 'boolean', default: false },
      local: { type: 'boolean', default: false },
      all: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, arg] = positionals;
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return;
  }
  const config = loadConfig();
  const ctx = await buildContext(config);
  const workers = values.local ? startWorkers(ctx) : [];
  try {
    if (command === 'start') {
      const { rolloutId } = await requestRollout(ctx, {
        canarySize: Number(values.canary),
        concurrency: values.concurrency ? Number(values.concurrency) : config.ROLLOUT_CONCURRENCY,
        requestedBy: `cli:${process.env.USER ?? 'unknown'}`,
      });
      console.log(`rollout ${rolloutId} requested`);
      if (!values.wait && !values.local) return;
      for (;;) {
        const r = (await getRollout(ctx.db, rolloutId, { tenantStatus: ['failed'] }))!;
        console.log(line(r));
        if (!['pending', 'running'].includes(r.status)) {
          printFailures(r);
          if (r.error) console.log(r.error);
          process.exitCode = r.status === 'completed' ? 0 : 2;
          return;
        }
        await new Promise((res) => setTimeout(res, 1000));
      }
    } else if (command === 'status') {
      const r = await getRollout(ctx.db, Number(arg), { tenantStatus: ['failed'] });
      if (!r) throw new Error(`rollout ${arg} does not exist`);
      console.log(line(r));
      printFailures(r);
    } else if (command === 'drift') {
      const report = await schemaDriftReport({
        controlDb: ctx.db,
        defaultTarget: mysqlTargetFromConfig(config),
        templateDb: config.TEMPLATE_DB_NAME,
      });
      console.log(`template ${report.templateDatabase} v${report.templateVersion}: ${report.driftedCount} of ${report.tenants.length} tenants differ`);
      for (const t of report.tenants) {
        if (t.inSync && !values.all) continue;
        const parts = [
          t.error,
          t.versionLag ? `${t.versionLag} migration(s) behind` : null,
          t.missingTables.length ? `missing tables ${t.missingTables.join(', ')}` : null,
          t.extraTables.length ? `extra tables ${t.extraTables.join(', ')}` : null,
          t.missingColumns.length ? `missing columns ${t.missingColumns.map((c) => `${c.table}.${c.column}`).join(', ')}` : null,
          t.extraColumns.length ? `extra columns ${t.extraColumns.map((c) => `${c.table}.${c.column}`).join(', ')}` : null,
          t.changedColumns.length ? `changed ${t.changedColumns.map((c) => `${c.table}.${c.column} (${c.actual} != ${c.expected})`).join(', ')}` : null,
        ].filter(Boolean);
        console.log(`  ${t.tenantCode} (${t.databaseName}): ${parts.join('; ') || 'in sync'}`);
      }
    } else {
      process.stdout.write(USAGE);
      process.exitCode = 1;
    }
  } finally {
    await Promise.all(workers.map((w) => w.close()));
    await closeContext(ctx);
  }
}

main().catch((err) => {
  process.stderr.write(err instanceof ConfigError ? `${err.message}\n` : `rollout failed: ${(err as Error).message}\n`);
  process.exit(1);
});
