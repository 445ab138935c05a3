/**
 * The per-repo serialized writer.
 *
 * isomorphic-git takes no lock for a whole commit (read parent, write objects, move ref): two
 * commits, or two note updates, running at once both read the same parent and one is lost.
 * Every write to a repo therefore runs inside `RepoWriter.write`, one at a time, in call order.
 *
 * Reads normally run freely beside writes (objects are immutable and refs are replaced by
 * rename). The one write that can pull files from under a reader is maintenance (`git repack`
 * deletes loose objects and old packs), so reads go through `read` and maintenance through
 * `exclusive`, which waits for running reads and holds new ones back.
 */

/** A FIFO async mutex plus a reader gate that only maintenance closes. */
export class RepoWriter {
  /** Tail of the write queue: resolves when the last queued write has finished. */
  private tail: Promise<void> = Promise.resolve();
  private readers = 0;
  /** Set while maintenance runs: readers wait on it. */
  private gate: Promise<void> | null = null;
  /** Resolves maintenance's wait for running readers to drain. */
  private drained: (() => void) | null = null;

  /** Runs `fn` after every write queued before it has finished; nothing else writes meanwhile. */
  write<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn);
    // The queue continues whether `fn` succeeded or not; the caller sees the outcome.
    this.tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Runs a read; held back only while maintenance rewrites the object store. */
  async read<T>(fn: () => Promise<T>): Promise<T> {
    while (this.gate) await this.gate;
    this.readers++;
    try {
      return await fn();
    } finally {
      this.readers--;
      if (this.readers === 0 && this.drained) this.drained();
    }
  }

  /**
   * Runs `fn` with the write lock held and no reader running: for operations, like repack,
   * that delete files a concurrent read may be about to open.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.write(async () => {
      let open!: () => void;
      this.gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      try {
        if (this.readers > 0) {
          await new Promise<void>((resolve) => {
            this.drained = resolve;
          });
          this.drained = null;
        }
        return await fn();
      } finally {
        this.gate = null;
        open();
      }
    });
  }

  /** Resolves once every write queued so far has finished (used before removing a repo). */
  idle(): Promise<void> {
    return this.tail;
  }
}
