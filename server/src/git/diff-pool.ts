/**
 * The server's diff engine: jobs (diff-job.ts) run in worker threads, so a diff of two big
 * versions never stalls REST, sockets or git for everyone else (issue 19). Workers start on the
 * first job and live until `close()`.
 *
 * Caps: a job running longer than `timeoutMs` has its thread terminated (the only way to stop
 * synchronous work) and fails with ERR_DIFF_TOO_LARGE; so does one that runs the thread out of
 * memory. The clock starts when a loaded worker takes the job, not while it waits. Jobs beyond
 * `maxQueue` waiting fail at once with ERR_UNAVAILABLE.
 *
 * The same machinery runs search jobs (search/search-job.ts) in a pool of their own, with their
 * own cap and error (`overLimit`): a hostile regex is stopped exactly as a huge diff is.
 */
import { Worker } from 'node:worker_threads';
import { AppError } from '../errors/app-error.js';
import type { SearchJob, SearchJobResult } from '../search/search-job.js';
import type { DiffEngine, DiffJob, PairResult } from './diff-job.js';
import type { JobMessage, WorkerMessage } from './diff-worker.js';

/** Options of a `DiffPool`. */
export interface DiffPoolOptions {
  /** Worker threads, at most this many jobs at once. */
  workers: number;
  /** A job's hard cap, ms. */
  timeoutMs: number;
  /** Jobs that may wait for a worker; default 16 per worker. */
  maxQueue?: number;
  /** Heap of one worker, MiB: a job past it fails alone instead of exhausting the server. */
  maxHeapMb?: number;
  /** The error of a job past the time cap or the heap; default ERR_DIFF_TOO_LARGE for a diff. */
  overLimit?: (why: 'time' | 'memory', timeoutMs: number) => AppError;
}

/** What a pool worker runs: a diff job, or a search job. */
export type PoolJob = DiffJob | SearchJob;
type PoolResult = PairResult[] | SearchJobResult;

/** The worker's entry: the compiled .js next to this module, or the .ts source under tsx. */
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(FROM_SOURCE ? './diff-worker.ts' : './diff-worker.js', import.meta.url);

/**
 * Under tsx (tests, `npm run dev`) the .ts entry loads only through tsx, which registers itself in
 * the main thread only (on Node 20): this bootstrap tries the entry as it is, and on an unknown
 * extension loads it through tsx's require hook (resolved from the entry, not the working dir).
 */
const TSX_BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
const { createRequire } = require('node:module');
const { fileURLToPath } = require('node:url');
import(workerData.entry)
  .catch((err) => {
    if (err && err.code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw err;
    const req = createRequire(workerData.entry);
    req('tsx/cjs/api').register();
    req(fileURLToPath(workerData.entry));
  })
  .catch((err) => setImmediate(() => { throw err; }));
`;

function newWorker(maxHeapMb: number): Worker {
  const resourceLimits = { maxOldGenerationSizeMb: maxHeapMb };
  if (!FROM_SOURCE) return new Worker(WORKER_URL, { resourceLimits });
  return new Worker(TSX_BOOTSTRAP, {
    eval: true,
    resourceLimits,
    workerData: { entry: WORKER_URL.href },
  });
}

interface Task {
  job: PoolJob;
  resolve: (results: PoolResult) => void;
  reject: (err: unknown) => void;
}

interface Slot {
  worker: Worker;
  /** Loaded: jobs are sent (and timed) only from then, so start-up never counts against a job. */
  ready: boolean;
  /** The task it runs, with its id and hard-cap timer; null when idle. */
  current: { id: number; task: Task; timer: NodeJS.Timeout } | null;
}

export class DiffPool implements DiffEngine {
  private readonly slots: Array<Slot | null>;
  private readonly queue: Task[] = [];
  private readonly maxQueue: number;
  private nextId = 1;
  private closed = false;

  constructor(private readonly o: DiffPoolOptions) {
    this.slots = new Array<Slot | null>(Math.max(1, o.workers)).fill(null);
    this.maxQueue = o.maxQueue ?? 16 * this.slots.length;
  }

  run(job: DiffJob): Promise<PairResult[]> {
    return this.submit(job) as Promise<PairResult[]>;
  }

  /** Runs a search or replace job (the server's search pool). */
  search(job: SearchJob): Promise<SearchJobResult> {
    return this.submit(job) as Promise<SearchJobResult>;
  }

  private submit(job: PoolJob): Promise<PoolResult> {
    if (this.closed) return Promise.reject(shuttingDown());
    if (this.queue.length >= this.maxQueue) {
      return Promise.reject(
        new AppError(
          'ERR_UNAVAILABLE',
          'The server is busy with other comparisons or searches; try again in a moment.',
        ),
      );
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      this.pump();
    });
  }

  /** Terminates the workers; running and waiting jobs fail with ERR_UNAVAILABLE. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.queue.splice(0)) task.reject(shuttingDown());
    const exits: Array<Promise<number>> = [];
    for (let i = 0; i < this.slots.length; i++) {
      const slot = this.slots[i];
      if (!slot) continue;
      this.slots[i] = null;
      if (slot.current) {
        clearTimeout(slot.current.timer);
        slot.current.task.reject(shuttingDown());
      }
      exits.push(slot.worker.terminate());
    }
    await Promise.all(exits);
  }

  /** Hands waiting jobs to idle, loaded workers, starting workers where slots are empty. */
  private pump(): void {
    for (let i = 0; i < this.slots.length && this.queue.length > 0; i++) {
      const slot = this.slots[i] ?? this.spawn(i);
      if (!slot.ready || slot.current) continue;
      const task = this.queue.shift()!;
      const id = this.nextId++;
      const timer = setTimeout(() => this.discard(i, this.overLimit('time')), this.o.timeoutMs);
      slot.current = { id, task, timer };
      const msg: JobMessage = { id, job: task.job };
      slot.worker.postMessage(msg);
    }
  }

  private spawn(i: number): Slot {
    const worker = newWorker(this.o.maxHeapMb ?? 1024);
    // A waiting request keeps the process alive; an idle worker must not.
    worker.unref();
    const slot: Slot = { worker, ready: false, current: null };
    worker.on('message', (msg: WorkerMessage) => {
      if (this.slots[i] !== slot) return;
      if ('ready' in msg) {
        slot.ready = true;
      } else {
        const current = slot.current;
        if (!current || current.id !== msg.id) return;
        clearTimeout(current.timer);
        slot.current = null;
        if ('error' in msg) current.task.reject(new Error(`diff worker: ${msg.error}`));
        else current.task.resolve(msg.results);
      }
      this.pump();
    });
    worker.on('error', (err: Error & { code?: string }) => {
      if (this.slots[i] !== slot) return;
      // A worker that cannot even load would fail every job: fail the next one with its error.
      const failed = err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? this.overLimit('memory') : err;
      if (!slot.current && !slot.ready) this.queue.shift()?.reject(failed);
      this.discard(i, failed);
    });
    worker.on('exit', () => {
      if (this.slots[i] === slot) this.discard(i, new Error('diff worker exited'));
    });
    this.slots[i] = slot;
    return slot;
  }

  private overLimit(why: 'time' | 'memory'): AppError {
    if (this.o.overLimit) return this.o.overLimit(why, this.o.timeoutMs);
    return why === 'time' ? tookTooLong(this.o.timeoutMs) : outOfMemory();
  }

  /** Drops slot `i`'s worker (a new one starts with the next job) and fails its task with `err`. */
  private discard(i: number, err: unknown): void {
    const slot = this.slots[i];
    if (!slot) return;
    this.slots[i] = null;
    if (slot.current) {
      clearTimeout(slot.current.timer);
      slot.current.task.reject(err);
    }
    void slot.worker.terminate();
    if (!this.closed) this.pump();
  }
}

function shuttingDown(): AppError {
  return new AppError('ERR_UNAVAILABLE', 'The server is shutting down.');
}

function tookTooLong(timeoutMs: number): AppError {
  return new AppError(
    'ERR_DIFF_TOO_LARGE',
    `Comparing these versions takes longer than ${timeoutMs / 1000} s, this server's limit. ` +
      'Clone the session and run git diff to see the changes.',
  );
}

function outOfMemory(): AppError {
  return new AppError(
    'ERR_DIFF_TOO_LARGE',
    'These versions are too large to compare on this server. Clone the session and run git diff.',
  );
}
