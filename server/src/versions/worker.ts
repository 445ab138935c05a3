/**
 * The commit worker: turns live editing into git history. A session with new edits is committed
 * once it has been idle for `commitIdleMs`, and at least every `commitMaxMs` while edits keep
 * coming; "Save version" commits at once. The author is whoever typed most since the last commit,
 * everyone else who typed is a co-author. Nothing is committed when the tree did not change.
 *
 * Who typed is read from the op log at commit time: every op a user submits carries their id in
 * its metadata (ot/authorship.ts), and a commit counts the ops between the versions the last
 * commit covers (its refs/notes/gitpad note) and the versions it snapshots. That is as durable as
 * the edits themselves, so after a crash the recovery scan commits what was never committed with
 * the right people on it. Which sessions need that is decided by content: the live files against the head
 * commit's tree. Changes the server makes on someone's behalf (the file tree, a revert) are not
 * stamped ops; they are tallied in memory.
 *
 * A commit that fails (a file's path git cannot hold, a repository that cannot be written) is
 * retried with a doubling delay, from twice `commitIdleMs` up to `retryMaxMs`, for as long as it
 * fails: edits are never dropped. Each failure is logged with its cause and sent to the session as
 * a `commitFailed` event, and the latest one is kept (`lastFailure`, in the `session:join`
 * answer) until a commit succeeds, which sends `commitOk`. Sessions have their own locks and
 * timers, so one session's failing commits never delay another's. A file path that the commit
 * rule refuses (one made under an older, looser create rule) fails the whole commit with that
 * path named, rather than leaving the file out of history: its owner renames it, and a change to
 * the file tree retries at once.
 */
import { gitIdentity } from '../auth/git-identity.js';
import { AppError } from '../errors/app-error.js';
import {
  type CommitResult,
  commitSnapshot,
  type Identity,
  lastCovered,
  maintainRepo,
  openRepo,
  type Repo,
  repoSessionIds,
  type SnapshotFile,
} from '../git/index.js';
import type { Logger } from '../log/index.js';
import { authorOf, editedChars } from '../ot/authorship.js';
import type { LiveClients } from '../ports/live-clients.js';
import { type CommitFailure, EVENTS } from '../protocol/events.js';
import { checkTreePath } from '../protocol/paths.js';
import type { VersionKind } from '../protocol/versions.js';
import { COLLECTION_FILES, fileDocId } from '../sessions/ids.js';
import { KeyedMutex } from '../sessions/mutex.js';
import type { SessionService } from '../sessions/service.js';
import { textOf } from '../storage/embedded/chunked-text.js';
import type { ShareDBAdapter, Store } from '../storage/types.js';

export interface CommitWorkerOptions {
  store: Store;
  db: ShareDBAdapter;
  sessions: SessionService;
  reposDir: string;
  idleMs: number;
  maxMs: number;
  /** Longest wait between retries of a failing commit, ms (default 60 s). */
  retryMaxMs?: number;
  logger: Logger;
  /** People connected now: version, failure and change events reach them through it. */
  live: LiveClients;
  /** Domain of the default commit e-mail, `<username>@<domain>` (config `gitEmailDomain`). */
  gitEmailDomain: string;
  /**
   * Called after each new version, before the op log below it is compacted, with each text file's
   * path, text and document version in it (live comments are written to its notes). A failure is
   * logged; the version stands.
   */
  afterVersion?: (
    repo: Repo,
    sessionId: string,
    sha: string,
    files: Map<string, { path: string; text: string; v: number }>,
  ) => Promise<void>;
  /** Told how each commit attempt went and how long it took, ms (for metrics). */
  observeCommit?: (outcome: 'committed' | 'unchanged' | 'failed', ms: number) => void;
}

interface Pending {
  /** When the first uncommitted edit arrived (ms). */
  first: number;
  /** When the latest one arrived (ms). */
  last: number;
  /**
   * userId → characters the server changed on their behalf since the last commit (file tree
   * changes, reverts). What users typed is in the op log, not here.
   */
  chars: Map<string, number>;
  timer?: NodeJS.Timeout;
  /** Failed attempts in a row, for back-off. */
  failures: number;
}

/** Run `git gc --auto`-style maintenance after this many commits to a repo in this process. */
const MAINTAIN_EVERY = 50;

/** A commit's outcome, with who typed what it holds (user ids) when it made a version. */
export type WorkerCommitResult = CommitResult & { typists?: readonly string[] };

export interface CommitRequest {
  message?: string;
  /** What makes this version (recorded in its note); default `autosave`. */
  kind?: VersionKind;
  /** Who asked ("Save version", revert): author unless someone else typed more. */
  actorId?: string;
  /** A pushed commit to record as the second parent (a merge), see `SnapshotInput.mergeParent`. */
  mergeParent?: string;
  /** See `SnapshotInput.fastForwardFrom`. */
  fastForwardFrom?: string | null;
}

export class CommitWorker {
  private readonly pending = new Map<string, Pending>();
  private readonly locks = new KeyedMutex();
  private readonly commitsSinceMaintenance = new Map<string, number>();
  /**
   * sessionId → fileId → document version the latest commit covered: what this process last
   * committed, or, before its first commit of a session, what the session's history records.
   */
  private readonly covered = new Map<string, Map<string, number>>();
  /** sessionId → its latest commit failure, until a commit succeeds; `nextAt`: retry due (ms). */
  private readonly failures = new Map<string, CommitFailure & { nextAt: number }>();
  private stopped = false;

  constructor(private readonly o: CommitWorkerOptions) {}

  /**
   * Records that a user typed in a session: schedules a commit. Who typed is in the op itself
   * (stamped by the backend), so nothing about the person is kept here.
   */
  noteTyping(sessionId: string): void {
    this.touch(sessionId);
  }

  /**
   * Records that the server changed a session on `userId`'s behalf, `chars` characters (1 for a
   * file tree change): a file created, renamed or deleted, a revert. Such changes are ops of the
   * server's own connection, so their people are tallied here, in memory.
   */
  noteEdit(sessionId: string, userId: string | null, chars: number): void {
    const p = this.touch(sessionId);
    if (p && userId) p.chars.set(userId, (p.chars.get(userId) ?? 0) + Math.max(1, chars));
    // A failing session whose tree changed (a refused path renamed, say) is retried soon, not
    // after the back-off: the change may be the fix.
    if (p && p.failures > 0 && this.failures.has(sessionId)) this.arm(sessionId, p, this.o.idleMs);
  }

  /**
   * The session's latest commit failure while its versions are not being saved (null once a
   * commit succeeds), with `retryInMs` counted from now.
   */
  lastFailure(sessionId: string): CommitFailure | null {
    const f = this.failures.get(sessionId);
    if (!f) return null;
    const { nextAt, ...failure } = f;
    return { ...failure, retryInMs: Math.max(0, nextAt - Date.now()) };
  }

  private touch(sessionId: string): Pending | undefined {
    if (this.stopped) return undefined;
    const now = Date.now();
    let p = this.pending.get(sessionId);
    if (!p) {
      p = { first: now, last: now, chars: new Map(), failures: 0 };
      this.pending.set(sessionId, p);
      this.arm(sessionId, p, this.o.idleMs);
    }
    p.last = now;
    return p;
  }

  /** When the oldest edit not yet committed arrived (epoch ms), or undefined when none waits. */
  oldestPendingAt(): number | undefined {
    let oldest: number | undefined;
    for (const p of this.pending.values()) if (oldest === undefined || p.first < oldest) oldest = p.first;
    return oldest;
  }

  /** Whether the session has edits not yet committed. */
  isPending(sessionId: string): boolean {
    return this.pending.has(sessionId);
  }

  /** Commits the session now (Save version, revert). `{unchanged}` when nothing changed. */
  commitNow(sessionId: string, req: CommitRequest = {}): Promise<CommitResult> {
    return this.locks.run(sessionId, () => this.commit(sessionId, req));
  }

  /**
   * Runs `fn` holding the session's commit lock, with a `commit` that commits inside it: several
   * commits and the changes between them (delete a file, revert) as one step no scheduled commit
   * can split.
   */
  exclusive<T>(
    sessionId: string,
    fn: (commit: (req: CommitRequest) => Promise<WorkerCommitResult>) => Promise<T>,
  ) {
    return this.locks.run(sessionId, () => fn((req) => this.commit(sessionId, req)));
  }

  /**
   * After a start: commits every session whose live files differ from its head commit (edits
   * acknowledged before a crash, never committed), in the background, one at a time.
   */
  async recover(): Promise<void> {
    for (const sessionId of await repoSessionIds(this.o.reposDir)) {
      if (this.stopped) return;
      if (!(await this.o.store.sessions.byId(sessionId))) continue;
      try {
        const result = await this.commitNow(sessionId, { message: undefined });
        if (!result.unchanged)
          this.o.logger.info('committed edits left from before the restart', { sessionId, sha: result.sha });
      } catch {
        // commit() logged it, told the session and armed the retry.
      }
    }
  }

  /** Stops scheduling and commits what is pending (bounded by the caller's patience). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const p of this.pending.values()) clearTimeout(p.timer);
    const sessions = [...this.pending.keys()];
    await Promise.all(
      sessions.map((id) =>
        this.locks
          .run(id, () => this.commit(id, {}))
          .catch((err) => this.o.logger.warn('final commit failed', { sessionId: id, err })),
      ),
    );
    await this.locks.drain();
  }

  private arm(sessionId: string, p: Pending, delay: number): void {
    clearTimeout(p.timer);
    p.timer = setTimeout(() => this.tick(sessionId), Math.max(0, delay));
    p.timer.unref?.();
  }

  private tick(sessionId: string): void {
    const p = this.pending.get(sessionId);
    if (!p || this.stopped) return;
    const now = Date.now();
    const due = Math.min(p.last + this.o.idleMs, p.first + this.o.maxMs);
    if (due > now) {
      this.arm(sessionId, p, due - now);
      return;
    }
    this.locks
      .run(sessionId, () => this.commit(sessionId, {}))
      // commit() logged it, told the session and armed the retry.
      .catch(() => {});
  }

  private async commit(sessionId: string, req: CommitRequest): Promise<WorkerCommitResult> {
    // Edits from here on belong to the next commit.
    const taken = this.pending.get(sessionId);
    if (taken) clearTimeout(taken.timer);
    this.pending.delete(sessionId);
    const onBehalf = taken?.chars ?? new Map<string, number>();
    const started = performance.now();
    try {
      const repo = await openRepo(this.o.reposDir, sessionId);
      const { files, versions, texts, paths } = await this.readLiveFiles(sessionId);
      let before = this.covered.get(sessionId);
      if (!before) {
        // First commit of this session in this process (after a start or a crash): the last
        // versions committed are in the history.
        before = await lastCovered(repo, versions.keys());
        this.covered.set(sessionId, before);
      }
      // Record what moved since the last commit.
      const covers: Record<string, number> = {};
      for (const [fileId, v] of versions) if (before.get(fileId) !== v) covers[fileId] = v;
      const chars = await this.typedSince(sessionId, before, versions);
      for (const [id, n] of onBehalf) chars.set(id, (chars.get(id) ?? 0) + n);
      const { author, coAuthors } = await this.people(chars, req.actorId);
      // The tree rule, checked here to name the whole path and say what to do about it.
      for (const file of files) {
        const checked = checkTreePath(file.path);
        if (!checked.ok) {
          throw new AppError(
            'ERR_INVALID_PATH',
            `"${file.path}" cannot be saved in git: ${checked.reason} Rename it to save versions again.`,
          );
        }
      }
      const result = await commitSnapshot(repo, {
        files,
        author,
        coAuthors,
        covers,
        kind: req.kind ?? 'autosave',
        paths,
        ...(req.message ? { message: req.message } : {}),
        ...(req.mergeParent ? { mergeParent: req.mergeParent } : {}),
        ...(req.fastForwardFrom !== undefined ? { fastForwardFrom: req.fastForwardFrom } : {}),
      });
      this.recovered(sessionId, taken?.failures ?? 0);
      if (!result.unchanged) {
        // An unchanged tree is no version: what was typed since the last one still counts then.
        this.covered.set(sessionId, versions);
        this.o.live.notifySession(sessionId, EVENTS.sessionEvent, {
          sessionId,
          type: 'version',
          sha: result.sha,
        });
        await this.o.afterVersion?.(repo, sessionId, result.sha, texts).catch((err) =>
          this.o.logger.warn('could not write live comments to the version', {
            sessionId,
            sha: result.sha,
            err,
          }),
        );
        this.afterCommit(repo, sessionId, covers);
      }
      this.o.observeCommit?.(result.unchanged ? 'unchanged' : 'committed', performance.now() - started);
      return result.unchanged ? result : { ...result, typists: [...chars.keys()] };
    } catch (err) {
      this.o.observeCommit?.('failed', performance.now() - started);
      if (await this.deleted(sessionId, err)) {
        // Deleted meanwhile: nothing left to commit, nothing to retry.
        clearTimeout(this.pending.get(sessionId)?.timer);
        this.pending.delete(sessionId);
        this.failures.delete(sessionId);
        throw err;
      }
      // Put the tally back and retry later, backing off.
      const p = this.pending.get(sessionId) ?? {
        first: Date.now(),
        last: Date.now(),
        chars: new Map(),
        failures: 0,
      };
      for (const [id, n] of onBehalf) p.chars.set(id, (p.chars.get(id) ?? 0) + n);
      p.failures = (taken?.failures ?? 0) + 1;
      this.pending.set(sessionId, p);
      if (!this.stopped) {
        const retryInMs = Math.min(this.o.retryMaxMs ?? 60_000, this.o.idleMs * 2 ** p.failures);
        this.arm(sessionId, p, retryInMs);
        this.failed(sessionId, err, p.failures, retryInMs);
      }
      throw err;
    }
  }

  /** Whether `err` is because the session no longer exists (not merely its repo missing). */
  private async deleted(sessionId: string, err: unknown): Promise<boolean> {
    if (!(err instanceof AppError) || err.code !== 'ERR_SESSION_NOT_FOUND') return false;
    return !(await this.o.store.sessions.byId(sessionId).catch(() => true));
  }

  /** Records, logs and announces a failed commit of `sessionId`. */
  private failed(sessionId: string, err: unknown, attempt: number, retryInMs: number): void {
    const { code, message } = failureOf(err);
    const at = Date.now();
    const failure: CommitFailure = { code, message, attempt, retryInMs, at };
    this.failures.set(sessionId, { ...failure, nextAt: at + retryInMs });
    // A cause we did not expect (not an AppError) is logged with its stack.
    const log = err instanceof AppError ? this.o.logger.warn : this.o.logger.error;
    log.call(this.o.logger, 'commit failed; versions are not being saved', {
      sessionId,
      attempt,
      retryInMs,
      code,
      message,
      ...(err instanceof AppError ? {} : { err }),
    });
    this.o.live.notifySession(sessionId, EVENTS.sessionEvent, {
      sessionId,
      type: 'commitFailed',
      ...failure,
    });
  }

  /** After a successful commit: clears a recorded failure and tells the session it is over. */
  private recovered(sessionId: string, failedAttempts: number): void {
    if (!this.failures.delete(sessionId)) return;
    this.o.logger.info('commit succeeded again; versions are being saved', { sessionId, failedAttempts });
    this.o.live.notifySession(sessionId, EVENTS.sessionEvent, { sessionId, type: 'commitOk' });
  }

  /** The session's files as they are now, with the document versions read. */
  private async readLiveFiles(sessionId: string) {
    const manifest = await this.o.sessions.manifest(sessionId);
    const entries = Object.entries(manifest.files);
    const ids = entries.filter(([, e]) => !e.blob).map(([fileId]) => fileDocId(sessionId, fileId));
    const snapshots = await new Promise<Record<string, { v: number; data?: { text?: string } }>>(
      (resolve, reject) =>
        this.o.db.getSnapshotBulk(COLLECTION_FILES, ids, null, null, (err: unknown, res: never) =>
          err ? reject(err) : resolve(res),
        ),
    );
    const files: SnapshotFile[] = [];
    const versions = new Map<string, number>();
    const texts = new Map<string, { path: string; text: string; v: number }>();
    /** fileId → path of each file committed: per-file history follows a file by its id. */
    const paths: Record<string, string> = {};
    for (const [fileId, entry] of entries) {
      const mode = entry.mode ? { mode: entry.mode } : {};
      // A binary file is its blob, written into the repo when it arrived: no document to read.
      if (entry.blob) {
        files.push({ path: entry.path, blob: entry.blob, ...mode });
        paths[fileId] = entry.path;
        continue;
      }
      const snap = snapshots[fileDocId(sessionId, fileId)];
      const text = textOf(snap?.data?.text);
      // A file whose document is gone (deleted under us) is simply not in this version.
      if (typeof text !== 'string') continue;
      files.push({ path: entry.path, content: text, ...mode });
      versions.set(fileId, snap!.v);
      texts.set(fileId, { path: entry.path, text, v: snap!.v });
      paths[fileId] = entry.path;
    }
    return { files, versions, texts, paths };
  }

  private async people(
    chars: Map<string, number>,
    actorId?: string,
  ): Promise<{ author: Identity; coAuthors: Identity[] }> {
    const ranked = [...chars].sort((a, b) => b[1] - a[1]).map(([id]) => id);
    if (actorId && !ranked.includes(actorId)) ranked.push(actorId);
    const identities: Identity[] = [];
    for (const id of ranked) {
      const u = await this.o.store.users.byId(id);
      if (u) identities.push(gitIdentity(u, this.o.gitEmailDomain));
    }
    const [author = { name: 'Gitpad', email: 'gitpad@localhost' }, ...coAuthors] = identities;
    return { author, coAuthors };
  }

  /**
   * userId → characters typed into the session's files between the versions `before` records
   * (0 for a file no commit covers yet) and `versions`, from the authors stamped on the ops.
   */
  private async typedSince(
    sessionId: string,
    before: Map<string, number>,
    versions: Map<string, number>,
  ): Promise<Map<string, number>> {
    const chars = new Map<string, number>();
    for (const [fileId, to] of versions) {
      const from = before.get(fileId) ?? 0;
      if (from >= to) continue;
      let ops: Array<{ op?: unknown; m?: Record<string, unknown> }>;
      try {
        ops = await new Promise((resolve, reject) =>
          this.o.db.getOps(
            COLLECTION_FILES,
            fileDocId(sessionId, fileId),
            from,
            to,
            { metadata: true },
            (err: unknown, res: never) => (err ? reject(err) : resolve(res)),
          ),
        );
      } catch (err) {
        // Compacted below `from` (a file older than the history we read): its typists go unnamed.
        this.o.logger.warn('could not read who typed in a file', { sessionId, fileId, from, to, err });
        continue;
      }
      for (const op of ops) {
        const userId = authorOf(op);
        if (userId) chars.set(userId, (chars.get(userId) ?? 0) + Math.max(1, editedChars(op.op)));
      }
    }
    return chars;
  }

  private afterCommit(repo: Repo, sessionId: string, covers: Record<string, number>): void {
    // Git now holds these versions: the op log below them can go (the store keeps a recent
    // window for clients catching up after being offline).
    for (const [fileId, v] of Object.entries(covers)) {
      this.o.store
        .compactOps(COLLECTION_FILES, fileDocId(sessionId, fileId), v)
        .catch((err) => this.o.logger.warn('op log compaction failed', { sessionId, fileId, err }));
    }
    const n = (this.commitsSinceMaintenance.get(repo.id) ?? 0) + 1;
    this.commitsSinceMaintenance.set(repo.id, n % MAINTAIN_EVERY);
    if (n % MAINTAIN_EVERY !== 0) return;
    maintainRepo(repo).catch((err) =>
      this.o.logger.warn('repo maintenance failed', { sessionId: repo.id, err }),
    );
  }
}

/**
 * What members are told about a failed commit: an AppError says it itself; anything else (a file
 * system error) by its errno code only, since its message holds server paths.
 */
function failureOf(err: unknown): { code: string; message: string } {
  if (err instanceof AppError) return { code: err.code, message: err.message };
  const errno = (err as { code?: unknown } | null)?.code;
  if (typeof errno === 'string' && /^E[A-Z]+$/.test(errno)) {
    return { code: 'ERR_INTERNAL', message: `The session's git repository could not be written (${errno}).` };
  }
  return { code: 'ERR_INTERNAL', message: 'The server could not write the version (its log says why).' };
}
