/**
 * Entry point of a diff (or search) worker thread (started by diff-pool.ts): says it is ready, then runs each
 * job it is sent and posts back the results, or the error's text. Jobs are synchronous; the pool
 * enforces the time cap by terminating the thread.
 */
import { parentPort } from 'node:worker_threads';
import { runSearchJob, type SearchJobResult } from '../search/search-job.js';
import { type PairResult, runDiffJob } from './diff-job.js';
import type { PoolJob } from './diff-pool.js';

/** A job as the pool posts it. */
export interface JobMessage {
  id: number;
  job: PoolJob;
}

/** What the worker posts: `ready` once loaded (the pool times jobs from then), then one answer a job. */
export type WorkerMessage =
  | { ready: true }
  | { id: number; results: PairResult[] | SearchJobResult }
  | { id: number; error: string };

const post = (msg: WorkerMessage) => parentPort!.postMessage(msg);

if (parentPort) {
  parentPort.on('message', (msg: JobMessage) => {
    try {
      const job = msg.job;
      const results = job.kind === 'search' || job.kind === 'replace' ? runSearchJob(job) : runDiffJob(job);
      post({ id: msg.id, results });
    } catch (err) {
      post({ id: msg.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    }
  });
  post({ ready: true });
}
