import type { CreateStepName } from '@kg/shared';
import type { ProvisionerContext } from '../../context';
import type { Tenant } from '../tenants/tenant.repository';

/** What a step gets: the worker context, the tenant row, and what earlier attempts recorded. */
export interface StepRun {
  ctx: ProvisionerContext;
  tenant: Tenant;
  /** The step row's `details` JSON (written by the control plane or an earlier attempt). */
  details: Record<string, unknown>;
  /** 1 on the step's first run; counts every start, including runs cut short by a killed worker. */
  attempt: number;
  /**
   * A point in the middle of the step's work where a test may freeze or fail the worker
   * (PROVISIONER_FAULT=<step>:mid:...). A no-op otherwise.
   */
  checkpoint(point: 'mid'): Promise<void>;
}

/**
 * One step of the create pipeline (docs/provisioning.md, Idempotence and resume). `run` must be
 * idempotent: it checks what already exists, because a worker may be killed at any point and the
 * step run again from the start.
 * It returns details merged into the step row.
 */
export interface CreateStep {
  name: CreateStepName;
  run(run: StepRun): Promise<Record<string, unknown> | void>;
}

/**
 * A failure that retrying cannot fix (a disabled server, a missing template, a fault injected by
 * a test): the pipeline marks the tenant failed at once instead of retrying with backoff.
 */
export class PermanentStepError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentStepError';
  }
}
