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
import { findTenant, markTenantFailed } from '../tenants/tenant.repository';
import {
  completeStep,
  ensureStepRows,
  failStep,
  loadStepRows,
  markFinished,
  markPipelineRunning,
  markProgressFailed,
  startStep,
} from './progress.repository';
import { PermanentStepError, type CreateStep } from './step';
import { activateTenant } from './steps/activate.step';
import { cloneTenantTemplate } from './steps/clone-template.step';
import { copyAiModels } from './steps/copy-ai-models.step';
import { createAdmin } from './steps/create-admin.step';
import { createTenantDatabase } from './steps/create-database.step';
import { createStorage } from './steps/create-storage.step';
import { openAccount } from './steps/open-account.step';
import { reserveSubdomain } from './steps/reserve-subdomain.step';
import { acquireTenantLock } from './tenant-lock';

/** The eight steps, in the order of CREATE_STEPS (docs/provisioning.md, The create pipeline). */
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

async function announce(ctx: ProvisionerContext, tenantCode: string, step: CreateStepName | null, status: string): Promise<void> {
  const message: TenantProgressMessage = { tenantCode, step, status, at: new Date().toISOString() };
  // Progress is also in MySQL: a lost announcement only delays a live view until its next poll.
  await ctx.redis
    .publish(tenantProgressChannel(ctx.config.REDIS_KEY_PREFIX), JSON.stringify(message))
    .catch((err) => ctx.logger.warn({ tenant: tenantCode, err: errorMessage(err) }, 'progress announcement failed'));
}

/** Marks the tenant and its progress summary failed with the step's reason (the tenant only while it is provisioning). */
export async function failTenant(ctx: ProvisionerContext, tenantCode: string, step: CreateStepName | 'pipeline', message: string): Promise<void> {
  const reason = `${step}: ${message}`.slice(0, 60_000);
  await markTenantFailed(ctx.db, tenantCode, reason);
  await markProgressFailed(ctx.db, tenantCode, reason);
}

/**
 * Runs (or resumes) the create pipeline of one tenant. Steps already completed are skipped, so a
 * job taken over from a killed worker continues at the step that was interrupted. A retryable
 * failure is rethrown for BullMQ to retry with exponential backoff; a permanent one, or the last
 * attempt, marks the tenant `failed` with the step's reason.
 */
export async function runCreatePipeline(ctx: ProvisionerContext, tenantCode: string, run: PipelineRun): Promise<PipelineResult> {
  const lock = await acquireTenantLock(ctx, tenantCode, ctx.config.PROVISIONER_TENANT_LOCK_WAIT_MS);
  if (!lock) throw new Error(`Another create pipeline of tenant ${tenantCode} is running; this attempt will be retried`);
  try {
    const tenant = await findTenant(ctx.db, tenantCode);
    if (!tenant) throw new UnrecoverableError(`Tenant ${tenantCode} does not exist`);
    if (tenant.status === 'active') {
      // Re-delivered after the activation committed: finish the bookkeeping and announce again.
      await markFinished(ctx.db, tenantCode);
      await publishTenantStatus(ctx.redis, ctx.config.REDIS_KEY_PREFIX, tenantCode, 'active').catch(() => 0);
      return { tenantCode, status: 'active', ran: [] };
    }
    if (tenant.status !== 'provisioning') return { tenantCode, status: tenant.status, ran: [] };

    await ensureStepRows(ctx.db, tenantCode, CREATE_STEPS);
    await markPipelineRunning(ctx.db, tenantCode, run.jobId);
    const rows = await loadStepRows(ctx.db, tenantCode);
    const ran: CreateStepName[] = [];
    const durations = stepDurations(ctx);
    const log = ctx.logger.child({ tenant: tenantCode, job: run.jobId, attempt: run.attempt });

    for (const step of PIPELINE) {
      const row = rows.get(step.name)!;
      if (row.status === 'completed') continue;
      const order = CREATE_STEPS.find((s) => s.name === step.name)!.order;
      const stepAttempt = await startStep(ctx.db, tenantCode, step.name, order);
      await announce(ctx, tenantCode, step.name, 'running');
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
        await failStep(ctx.db, tenantCode, step.name, elapsed, message, final);
        if (final) {
          await failTenant(ctx, tenantCode, step.name, message);
          await announce(ctx, tenantCode, step.name, 'failed');
          await publishTenantStatus(ctx.redis, ctx.config.REDIS_KEY_PREFIX, tenantCode, 'failed').catch(() => 0);
          log.error({ step: step.name, err: message }, 'tenant provisioning failed');
          throw new UnrecoverableError(`${step.name}: ${message}`);
        }
        await announce(ctx, tenantCode, step.name, 'pending');
        log.warn({ step: step.name, err: message }, 'provisioning step failed; retrying with backoff');
        throw err;
      }
      const elapsed = performance.now() - started;
      await completeStep(ctx.db, tenantCode, step.name, elapsed, details);
      durations.observe({ step: step.name, outcome: 'completed' }, elapsed / 1000);
      ran.push(step.name);
      await announce(ctx, tenantCode, step.name, 'completed');
      log.debug({ step: step.name, ms: Math.round(elapsed) }, 'provisioning step completed');
    }
    log.info({ ran }, 'tenant provisioned');
    return { tenantCode, status: 'active', ran };
  } finally {
    await lock.release();
  }
}
