/**
 * Entry point of a diff worker thread (started by diff-pool.ts): runs each job it is sent and
 * posts back the results, or the error's text. Jobs are synchronous; the pool enforces the time
 * cap by terminating the thread.
 */
import { parentPort } from 'node:worker_threads';
import { type DiffJob, runDiffJob } from './diff-job.js';

/** A job as the pool posts it. */
export interface JobMessage {
  id: number;
  job: DiffJob;
  /** Time Myers may take over the whole job, ms (see `runDiffJob`). */
  budgetMs: number;
}

parentPort?.on('message', (msg: JobMessage) => {
  try {
    parentPort!.postMessage({ id: msg.id, results: runDiffJob(msg.job, msg.budgetMs) });
  } catch (err) {
    parentPort!.postMessage({
      id: msg.id,
      error: err instanceof Error ? (err.stack ?? err.message) : String(err),
    });
  }
});
