/**
 * The server's ShareDB backend class: one submit queue per document (so submits never race each
 * other on `commit`), seals for documents being deleted, and the read check on every op sent to a
 * client, called directly instead of through ShareDB's middleware chain.
 */
import { performance } from 'node:perf_hooks';
import ShareDB from 'sharedb';
import { COLLECTION_FILES } from '../protocol/doc-ids.js';
import { EditEvents } from './edit-events.js';
import { deletedFileError } from './refusals.js';

type Callback = (...args: unknown[]) => void;

/** Whether an agent may be sent ops of a document: calls `next()` if so, `next(error)` if not. */
type OpReadCheck = (agent: unknown, collection: string, id: string, next: (err?: unknown) => void) => void;

/** See QueuedBackend.submitObserver. */
export type SubmitObserver = (agent: unknown, ms: number, err: unknown) => void;

/** ShareDB internals the queued backend builds on (missing from its typings). */
interface BackendInternals {
  middleware: Record<string, unknown[] | undefined>;
  _sanitizeOp(
    agent: unknown,
    projection: unknown,
    collection: string,
    id: string,
    op: unknown,
    callback: (err?: unknown) => void,
  ): void;
  _sanitizeOps(
    agent: unknown,
    projection: unknown,
    collection: string,
    id: string,
    ops: unknown[],
    callback: (err?: unknown) => void,
  ): void;
}

/** ShareDB's own implementations of what QueuedBackend overrides. */
const base = ShareDB.prototype as unknown as BackendInternals;

/**
 * ShareDB retries a submit that lost a race on `commit`, without limit by default; with many
 * writers on one document that is most of the work. Queueing submits per document removes the
 * race: one submit per document is in flight at a time; maxSubmitRetries stays as a backstop.
 */
export class QueuedBackend extends ShareDB {
  private readonly queues = new Map<string, Array<() => void>>();
  /** Documents (`collection\u0000id`) that refuse every edit but the server's own: files being deleted. */
  private readonly sealed = new Set<string>();
  /** Every user's text edit once it is written (edit-events.ts). */
  readonly edits = new EditEvents();
  private readonly closers: Array<() => void> = [];

  /** Runs `fn` when the backend closes. */
  onClose(fn: () => void): void {
    this.closers.push(fn);
  }

  override close(callback?: (err?: Error) => void): void {
    for (const fn of this.closers.splice(0)) fn();
    super.close(callback);
  }

  // @ts-expect-error sharedb's typings declare the public 4-argument submit; Agent calls this 6-argument one
  override submit(
    agent: unknown,
    index: string,
    id: string,
    op: unknown,
    options: unknown,
    callback: Callback,
  ): void {
    const received = performance.now();
    this.enqueue(`${index}\u0000${id}`, (done) =>
      // biome-ignore lint/suspicious/noExplicitAny: sharedb's typings omit the internal 6-argument submit
      (ShareDB.prototype.submit as any).call(this, agent, index, id, op, options, (...args: unknown[]) => {
        done();
        if (args[0] && index === COLLECTION_FILES) args[0] = deletedFileError(args[0]);
        this.submitObserver?.(agent, performance.now() - received, args[0]);
        callback(...args);
      }),
    );
  }

  /** Runs `run` once every submit queued before it on this document has finished. */
  private enqueue(key: string, run: (done: () => void) => void): void {
    const start = () =>
      run(() => {
        const queue = this.queues.get(key)!;
        queue.shift();
        if (queue.length > 0) queue[0]!();
        else this.queues.delete(key);
      });
    const queue = this.queues.get(key);
    if (queue) queue.push(start);
    else {
      this.queues.set(key, [start]);
      start();
    }
  }

  /**
   * Told of every submit once it is answered: how long since it arrived (ms, its wait in the
   * queue included) and the error it was refused with, if any. For metrics.
   */
  submitObserver: SubmitObserver | null = null;

  /**
   * Seals a document: from now on edits from clients are refused with ERR_FILE_DELETED, also those
   * already waiting in its submit queue. Resolves once every submit queued before the seal has
   * been written, so a read after it sees the document's last text.
   */
  seal(collection: string, id: string): Promise<void> {
    const key = `${collection}\u0000${id}`;
    this.sealed.add(key);
    return new Promise((resolve) =>
      this.enqueue(key, (done) => {
        done();
        resolve();
      }),
    );
  }

  /** Lifts a seal (the deletion it guarded did not happen). */
  unseal(collection: string, id: string): void {
    this.sealed.delete(`${collection}\u0000${id}`);
  }

  isSealed(collection: string, id: string): boolean {
    return this.sealed.has(`${collection}\u0000${id}`);
  }

  /**
   * The read check every op passes before it is sent to a client. It runs for every op delivered
   * to every subscriber, so it is called directly rather than as `op` middleware (ShareDB's
   * middleware chain allocates a request and a closure per call). It depends on the agent and the
   * document, never on the op. Any `op` middleware and projections still run after it.
   */
  opReadCheck: OpReadCheck | null = null;

  /** Whether ops need ShareDB's own sanitizing after the read check. */
  private needsBaseSanitize(projection: unknown): boolean {
    const { middleware } = this as unknown as BackendInternals;
    return Boolean(projection) || (middleware.op?.length ?? 0) > 0;
  }

  _sanitizeOp(
    agent: unknown,
    projection: unknown,
    collection: string,
    id: string,
    op: unknown,
    callback: (err?: unknown) => void,
  ): void {
    const check = this.opReadCheck;
    if (!check) {
      base._sanitizeOp.call(this, agent, projection, collection, id, op, callback);
      return;
    }
    check(agent, collection, id, (err) => {
      if (err) callback(err);
      else if (this.needsBaseSanitize(projection)) {
        base._sanitizeOp.call(this, agent, projection, collection, id, op, callback);
      } else callback();
    });
  }

  /**
   * Before a client is sent ops it asked for or missed (hundreds, for a submit that arrives far
   * behind in a crowd), ShareDB sanitizes each op in a tick of its own. The read check does not
   * depend on the op, so one run per batch gives the same answer.
   */
  _sanitizeOps(
    agent: unknown,
    projection: unknown,
    collection: string,
    id: string,
    ops: unknown[],
    callback: (err?: unknown) => void,
  ): void {
    const check = this.opReadCheck;
    if (!check || ops.length <= 1 || this.needsBaseSanitize(projection)) {
      base._sanitizeOps.call(this, agent, projection, collection, id, ops, callback);
      return;
    }
    check(agent, collection, id, (err) => process.nextTick(callback, err));
  }
}

/** Sealing documents that are about to be deleted (see QueuedBackend.seal). */
export interface DocSeals {
  seal(collection: string, id: string): Promise<void>;
  unseal(collection: string, id: string): void;
}
