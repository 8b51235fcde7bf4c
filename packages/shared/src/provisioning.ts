/**
 * The tenant create pipeline's vocabulary, shared by the control plane (which inserts the step
 * rows, enqueues the job and reports progress) and the provisioner (which runs it); see
 * docs/provisioning.md, The create pipeline.
 */

/** Job name of the create pipeline on QUEUES.lifecycle. */
export const CREATE_TENANT_JOB = 'create-tenant';

/** The eight create steps, in order; names are the `tenant_init_steps.step_name` values. */
export const CREATE_STEPS = [
  { name: 'reserve_subdomain', order: 1, title: 'Reserve the subdomain (DNS record)' },
  { name: 'create_database', order: 2, title: 'Create the database on the chosen server' },
  { name: 'clone_template', order: 3, title: 'Clone the template schema and reference data' },
  { name: 'create_admin', order: 4, title: "Create the tenant's admin" },
  { name: 'copy_ai_models', order: 5, title: 'Copy the default AI model configuration' },
  { name: 'create_storage', order: 6, title: 'Create the storage prefix and folders' },
  { name: 'open_account', order: 7, title: 'Open the tenant account' },
  { name: 'activate', order: 8, title: 'Mark the tenant active' },
] as const;

export type CreateStepName = (typeof CREATE_STEPS)[number]['name'];

export const CREATE_STEP_NAMES = CREATE_STEPS.map((s) => s.name) as readonly CreateStepName[];

/** BullMQ job id of a tenant's create pipeline: one job per tenant (BullMQ ignores a duplicate add). */
export function createJobId(tenantCode: string): string {
  return `create-${tenantCode}`;
}

/**
 * BullMQ options of a tenant's create pipeline job, the same wherever it is enqueued (the control
 * plane on create and retry, the provisioner's reconciler after a lost job): `attempts` tries with
 * exponential backoff from `backoffMs`; a finished job is kept a while so its state can be read.
 */
export function createPipelineJobOptions(tenantCode: string, retry: { attempts: number; backoffMs: number }) {
  return {
    jobId: createJobId(tenantCode),
    attempts: retry.attempts,
    backoff: { type: 'exponential' as const, delay: retry.backoffMs },
    removeOnComplete: { age: 24 * 3600, count: 1000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  };
}

/** Redis pub/sub channel on which the provisioner announces every step change. */
export function tenantProgressChannel(redisKeyPrefix: string): string {
  return `${redisKeyPrefix}tenant-progress`;
}

export interface TenantProgressMessage {
  tenantCode: string;
  step: CreateStepName | null;
  /** Step status, or the tenant's status when `step` is null. */
  status: string;
  at: string;
}
