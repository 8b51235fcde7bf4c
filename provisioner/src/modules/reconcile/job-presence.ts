import type { Job, JobsOptions, Queue } from 'bullmq';

/** What the queue holds under a job id. */
export type JobPresence =
  | { state: 'live' }
  /** No job, or only a remnant of one that is in no list (keys partly lost or evicted). */
  | { state: 'missing'; job?: Job }
  | { state: 'completed'; job: Job }
  | { state: 'failed'; job: Job };

/** States in which a job still runs or will run (anything but finished or absent). */
const FINISHED = new Set(['completed', 'failed', 'unknown']);

/** Looks a job up by id: waiting, delayed, active or prioritized count as live. */
export async function jobPresence(queue: Queue, jobId: string): Promise<JobPresence> {
  const job = await queue.getJob(jobId);
  if (!job) return { state: 'missing' };
  const state = await job.getState();
  if (!FINISHED.has(state)) return { state: 'live' };
  if (state === 'completed') return { state: 'completed', job };
  if (state === 'failed') return { state: 'failed', job };
  return { state: 'missing', job };
}

/**
 * Enqueues a job under its fixed id unless one is live. BullMQ ignores an add whose id exists,
 * even finished, so a finished job (or a remnant) under that id is removed first. Returns false when a live job
 * was found (someone else enqueued it meanwhile).
 */
export async function requeue<T>(queue: Queue, name: string, data: T, opts: JobsOptions & { jobId: string }): Promise<boolean> {
  const presence = await jobPresence(queue, opts.jobId);
  if (presence.state === 'live') return false;
  if (presence.job) await presence.job.remove();
  await queue.add(name, data, opts);
  return true;
}
