import type { JobHandler, Schedule } from './job';
import { dailyBackupSchedule } from '../modules/backup/backup.schedule';
import { dailyCleanupSchedule } from '../modules/cleanup/cleanup.schedule';
import { purgeResourceJob } from '../modules/cleanup/purge-resource.job';
import { purgeRunJob } from '../modules/cleanup/purge-run.job';
import { tempCleanupJob } from '../modules/cleanup/temp-cleanup.job';
import { rolloutStartJob } from '../modules/rollout/rollout-start.job';
import { rolloutTenantJob } from '../modules/rollout/rollout-tenant.job';
import { createTenantJob } from '../modules/create/create-tenant.job';
import { monthlyBillingJob, usageRollupJob } from '../modules/billing/billing.jobs';
import { monthlyBillingSchedule, usageRollupSchedule } from '../modules/billing/billing.schedule';

/**
 * Every job handler and schedule the worker runs. Modules add theirs here; the worker starts one
 * BullMQ Worker per queue that dispatches by job name.
 */
export const jobHandlers: JobHandler<any, any>[] = [purgeRunJob, purgeResourceJob, tempCleanupJob, rolloutStartJob, rolloutTenantJob, createTenantJob, usageRollupJob, monthlyBillingJob];

export const schedules: Schedule[] = [dailyCleanupSchedule, dailyBackupSchedule, usageRollupSchedule, monthlyBillingSchedule];
