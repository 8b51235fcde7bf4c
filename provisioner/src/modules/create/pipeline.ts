import { performance } from 'node:perf_hooks';
import { UnrecoverableError } from 'bullmq';
import {
  CREATE_STEPS,
  publishTenantStatus,
  tenantProgressChannel,
  type CreateStepName,
  type TenantProgressMessage,
} from '@kg/shared';
import type { ProvisionerContext } from '../../context';
import { faultPoint } from './fault';
import { stepDurations } from './metrics';
import {
  completeStep,
  ensureStepRows,
  failStep,
  loadStepRows,
  markPipelineRunning,
  markTenantFailed,
  startStep,
} from './progress.repository';
import { PermanentStepError, type CreateStep } from './step';
import { activateTenant, markFinished } from './steps/activate.step';
import { cloneTenantTemplate } from './steps/clone-template.step';
import { copyAiModels } from './steps/copy-ai-models.step';
import { createAdmin } from './steps/create-admin.step';
import { createTenantDatabase } from './steps/create-database.step';
import { createStorage } from './steps/create-storage.step';
import { openAccount } from './steps/open-account.step';
import { reserveSubdomain } from './steps/reserve-subdomain.step';
import { acquireTenantLock } from './tenant-lock';
import { findProvisioningTenant } from './tenant.repository';

/** The steps of SPEC §5 Create, in the order of CREATE_STEPS. */
export const PIPELINE: readonly CreateStep[] = [
  reserveSubdomain,
  createTenantDatabase,
  cloneTenantTemplate,
  createAdmin,
  copyAiModels,
  createStorage,
  openAccount,
  activateTenant,
];

if (PIPELINE.map((s) => s.name).join() !== CREATE_STEPS.map((s) => s.name).join()) {
  throw new Error('The create pipeline steps must follow CREATE_STEPS (packages/shared/src/provisioning.ts)');
}

export interface PipelineRun {
  jobId?: string;
  /** 1-based attempt of the job (BullMQ attemptsMade + 1). */
  attempt: number;
  maxAttempts: number;
}

export interface PipelineResult {
  tenantCode: string;
  status: string;
  /** Steps run by this attempt (completed ones are skipped). */
  ran: CreateStepName[];
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function announce(ctx: ProvisionerContext, code: string, step: CreateStepName | null, status: string): Promise<void> {
  const message: TenantProgressMessage = { tenantCode: code, step, status, at: new Date().toISOString() };
  // Progress is also in MySQL: a lost announcement only delays a live view until its next poll.
  await ctx.redis
    .publish(tenantProgressChannel(ctx.config.REDIS_KEY_PREFIX), JSON.stringify(message))
    .catch((err) => ctx.logger.warn({ tenant: code, err: errorMessage(err) }, 'progress announcement failed'));
}

/**
 * Runs (or resumes) the create pipeline of one tenant. Steps already completed are skipped, so a
 * job taken over from a killed worker continues at the step that was interrupted. A retryable
 * failure is rethrown for BullMQ to retry with exponential backoff; a permanent one, or the last
 * attempt, marks the tenant `failed` with the step's reason.
 */
export async function runCreatePipeline(ctx: ProvisionerContext, code: string, run: PipelineRun): Promise<PipelineResult> {
  const lock = await acquireTenantLock(ctx, code, ctx.config.PROVISIONER_TENANT_LOCK_WAIT_MS);
  if (!lock) throw new Error(`Another create pipeline of tenant ${code} is running; this attempt will be retried`);
  try {
    const tenant = await findProvisioningTenant(ctx.db, code);
    if (!tenant) throw new UnrecoverableError(`Tenant ${code} does not exist`);
    if (tenant.status === 'active') {
      // Re-delivered after the activation committed: finish the bookkeeping and announce again.
      await markFinished(ctx.db, code);
      await publishTenantStatus(ctx.redis, ctx.config.REDIS_KEY_PREFIX, code, 'active').catch(() => 0);
      return { tenantCode: code, status: 'active', ran: [] };
    }
    if (tenant.status !== 'provisioning') return { tenantCode: code, status: tenant.status, ran: [] };

    await ensureStepRows(ctx.db, code, CREATE_STEPS);
    await markPipelineRunning(ctx.db, code, run.jobId);
    const rows = await loadStepRows(ctx.db, code);
    const ran: CreateStepName[] = [];
    const durations = stepDurations(ctx);
    const log = ctx.logger.child({ tenant: code, job: run.jobId, attempt: run.attempt });

    for (const step of PIPELINE) {
      const row = rows.get(step.name)!;
      if (row.status === 'completed') continue;
      const order = CREATE_STEPS.find((s) => s.name === step.name)!.order;
      const stepAttempt = await startStep(ctx.db, code, step.name, order);
      await announce(ctx, code, step.name, 'running');
      const started = performance.now();
      let details: Record<string, unknown> | void;
      try {
        await faultPoint(ctx.config, step.name, 'before', stepAttempt);
        details = await step.run({
          ctx,
          tenant,
          details: row.details,
          attempt: stepAttempt,
          checkpoint: (point) => faultPoint(ctx.config, step.name, point, stepAttempt),
        });
        await faultPoint(ctx.config, step.name, 'after', stepAttempt);
      } catch (err) {
        const elapsed = performance.now() - started;
        durations.observe({ step: step.name, outcome: 'error' }, elapsed / 1000);
        const message = errorMessage(err);
        const final = err instanceof PermanentStepError || err instanceof UnrecoverableError || run.attempt >= run.maxAttempts;
        await failStep(ctx.db, code, step.name, elapsed, message, final);
        if (final) {
          await markTenantFailed(ctx.db, code, step.name, message);
          await announce(ctx, code, step.name, 'failed');
          await publishTenantStatus(ctx.redis, ctx.config.REDIS_KEY_PREFIX, code, 'failed').catch(() => 0);
          log.error({ step: step.name, err: message }, 'tenant provisioning failed');
          throw new UnrecoverableError(`${step.name}: ${message}`);
        }
        await announce(ctx, code, step.name, 'pending');
        log.warn({ step: step.name, err: message }, 'provisioning step failed; retrying with backoff');
        throw err;
      }
      const elapsed = performance.now() - started;
      await completeStep(ctx.db, code, step.name, elapsed, details);
      durations.observe({ step: step.name, outcome: 'completed' }, elapsed / 1000);
      ran.push(step.name);
      await announce(ctx, code, step.name, 'completed');
      log.debug({ step: step.name, ms: Math.round(elapsed) }, 'provisioning step completed');
    }
    log.info({ ran }, 'tenant provisioned');
    return { tenantCode: code, status: 'active', ran };
  } finally {
    await lock.release();
  }
}
