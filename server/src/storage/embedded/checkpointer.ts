/**
 * WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside whichever commit
 * pushes the WAL past 1000 pages: that commit copies the pages into the database file and waits
 * for two fsyncs, with the event loop stopped (tens to hundreds of ms on a busy disk, in the
 * middle of someone's edit). Here a worker thread with its own connection runs PASSIVE
 * checkpoints on a timer instead, and the server's connection never checkpoints by itself.
 *
 * Durability is unchanged: a commit is in the WAL before it is acknowledged either way; a
 * checkpoint only moves committed pages from the WAL into the main file. A PASSIVE checkpoint
 * never blocks the writer; one that fails (a full disk) is retried on the next tick of the timer. If
 * the worker itself dies, the connection checkpoints by itself again, as before.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Database } from 'better-sqlite3';
import type { Logger } from '../../log/index.js';

/** SQLite's default automatic checkpoint threshold, in pages: restored if the worker fails. */
const AUTO_CHECKPOINT_PAGES = 1000;

/** The driver as this module resolves it: an eval'd worker would resolve from the working directory. */
const DRIVER = createRequire(import.meta.url).resolve('better-sqlite3');

// Plain CommonJS, run with `eval`: no loader or build step for the worker's own file.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.filename);
let failing = false;
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    failing = false;
  } catch (err) {
    // A full disk, say: the WAL keeps the pages meanwhile; say so once, and keep trying.
    if (!failing) parentPort.postMessage({ failed: String(err && err.message) });
    failing = true;
  }
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export interface Checkpointer {
  /** Stops the worker (closing its connection); the server's connection checkpoints at close. */
  stop(): Promise<void>;
}

/**
 * Moves `db`'s checkpoints to a worker thread. `filename` is the file `db` has open (WAL mode);
 * `intervalMs` how often the worker checkpoints.
 */
export function startCheckpointer(
  db: Database,
  filename: string,
  logger: Logger,
  intervalMs = 250,
): Checkpointer {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { filename, intervalMs, driver: DRIVER },
  });
  // A checkpoint pending must not keep the process alive.
  worker.unref();
  db.pragma('wal_autocheckpoint = 0');
  let stopping = false;
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    worker.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  let fellBack = false;
  const fallBack = (err: unknown) => {
    if (stopping || fellBack) return;
    fellBack = true;
    logger.error('The checkpoint worker stopped; the database checkpoints on the event loop again', { err });
    if (db.open) db.pragma(`wal_autocheckpoint = ${AUTO_CHECKPOINT_PAGES}`);
  };
  worker.on('error', fallBack);
  worker.on('message', (m: { failed?: string }) =>
    logger.warn('A WAL checkpoint failed; the worker keeps retrying', { error: m.failed }),
  );
  worker.once('exit', (code) => fallBack(new Error(`exit code ${code}`)));
  return {
    async stop() {
      if (stopping) return exit;
      stopping = true;
      if (!exited) {
        worker.postMessage('stop');
        // A worker stuck in a checkpoint (a disk that stopped answering) must not hold up shutdown.
        const timeout = setTimeout(() => void worker.terminate(), 5000);
        timeout.unref();
        await exit;
        clearTimeout(timeout);
      }
      if (db.open) db.pragma(`wal_autocheckpoint = ${AUTO_CHECKPOINT_PAGES}`);
    },
  };
}
