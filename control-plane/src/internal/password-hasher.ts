import os from 'node:os';
import { Worker } from 'node:worker_threads';

/*
 * Why worker threads: bcryptjs's async API yields only every 100 ms of hashing, and all queued
 * chunks run in the same event-loop turn. Measured on the 2-core machine with 20 concurrent
 * cost-12 compares: event-loop lag p99 ~2000 ms in-thread, ~3 ms with this pool (docs/auth.md,
 * "Passwords").
 * The worker is inline CommonJS so it runs the same way from dist/ and under tsx.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const bcrypt = require(workerData.bcryptPath);
parentPort.on('message', (job) => {
  try {
    const result = job.op === 'hash'
      ? bcrypt.hashSync(job.password, job.cost)
      : bcrypt.compareSync(job.password, job.hash);
    parentPort.postMessage({ id: job.id, result });
  } catch (err) {
    parentPort.postMessage({ id: job.id, error: String((err && err.message) || err) });
  }
});
`;

type Job =
  | { id: number; op: 'hash'; password: string; cost: number }
  | { id: number; op: 'compare'; password: string; hash: string };

interface Pending {
  job: Job;
  resolve: (value: string | boolean) => void;
  reject: (err: Error) => void;
  startedAt?: number;
}

/** Options of one hash or compare. */
export interface HashOptions {
  /** Refuse the job (HasherBusyError) when this many jobs already wait for a thread. */
  maxQueued?: number;
}

/** The wait queue is full: the caller should answer 503 with Retry-After. */
export class HasherBusyError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('password hashing queue is full');
    this.name = 'HasherBusyError';
  }
}

/**
 * A small pool of threads running bcryptjs synchronously, so hashing never blocks the event
 * loop that serves other requests. Threads start on first use and do not keep the process alive
 * while idle.
 */
export class PasswordHasher {
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Pending>();
  private readonly queue: Pending[] = [];
  private readonly workers = new Set<Worker>();
  private nextId = 0;
  private readonly bcryptPath = require.resolve('bcryptjs');
  /** Moving average of one job's time on a thread, for Retry-After when the queue is full. */
  private meanJobMs = 250;

  constructor(readonly size: number = defaultPoolSize()) {}

  /** bcrypt hash of `password` at `cost`. */
  hash(password: string, cost: number, opts: HashOptions = {}): Promise<string> {
    return this.run({ id: ++this.nextId, op: 'hash', password, cost }, opts) as Promise<string>;
  }

  /** True when `password` matches the bcrypt `hash`. */
  verify(password: string, hash: string, opts: HashOptions = {}): Promise<boolean> {
    return this.run({ id: ++this.nextId, op: 'compare', password, hash }, opts) as Promise<boolean>;
  }

  /** Jobs waiting for a thread (not counting those running). */
  get queued(): number {
    return this.queue.length;
  }

  /** Stops every thread; queued work is rejected. */
  async close(): Promise<void> {
    for (const p of this.queue.splice(0)) p.reject(new Error('password hasher closed'));
    // Each thread's 'exit' handler rejects its in-flight job and forgets it.
    await Promise.all([...this.workers].map((w) => w.terminate()));
  }

  private run(job: Job, opts: HashOptions): Promise<string | boolean> {
    if (opts.maxQueued !== undefined && this.queue.length >= opts.maxQueued) {
      // The backlog would take about this long to drain over the pool's threads.
      const drainMs = ((this.queue.length + 1) * this.meanJobMs) / this.size;
      return Promise.reject(new HasherBusyError(Math.max(1, Math.ceil(drainMs / 1000))));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const worker = this.idle.pop() ?? (this.workers.size < this.size ? this.spawn() : undefined);
      if (!worker) return;
      const pending = this.queue.shift()!;
      pending.startedAt = Date.now();
      this.busy.set(worker, pending);
      worker.ref();
      worker.postMessage(pending.job);
    }
  }

  private spawn(): Worker {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { bcryptPath: this.bcryptPath } });
    this.workers.add(worker);
    worker.on('message', (msg: { id: number; result?: string | boolean; error?: string }) => {
      const pending = this.busy.get(worker);
      this.busy.delete(worker);
      worker.unref();
      this.idle.push(worker);
      if (pending) {
        if (pending.startedAt !== undefined) this.meanJobMs = 0.8 * this.meanJobMs + 0.2 * (Date.now() - pending.startedAt);
        if (msg.error !== undefined) pending.reject(new Error(`bcrypt failed: ${msg.error}`));
        else pending.resolve(msg.result!);
      }
      this.pump();
    });
    const lost = (err: Error) => {
      if (!this.workers.delete(worker)) return; // 'error' is followed by 'exit'
      const pending = this.busy.get(worker);
      this.busy.delete(worker);
      const i = this.idle.indexOf(worker);
      if (i >= 0) this.idle.splice(i, 1);
      pending?.reject(err);
      this.pump();
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`bcrypt worker exited with code ${code}`)));
    return worker;
  }
}

/**
 * One thread per core but one, at most four: a core stays free for the event loop, so a flood of
 * sign-ins never delays other requests (docs/security.md, "Bounded hashing"). With every core
 * hashing, /api/health p99 under a 500-request wrong-password flood was 83 ms on 2 cores.
 */
function defaultPoolSize(): number {
  return Math.max(1, Math.min(4, os.availableParallelism() - 1));
}

/** The process-wide hasher used by sign-in and registration. */
export const passwordHasher = new PasswordHasher();
