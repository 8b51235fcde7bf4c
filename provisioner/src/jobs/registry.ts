import type { JobHandler, Schedule } from './job';

/**
 * Every job handler and schedule the worker runs. Modules add theirs here; the worker starts one
 * BullMQ Worker per queue that dispatches by job name.
 */
export const jobHandlers: JobHandler<any, any>[] = [];

export const schedules: Schedule[] = [];
