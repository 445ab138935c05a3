/**
 * The commit worker: turns live editing into git history. A session with new edits is committed
 * once it has been idle for `commitIdleMs`, and at least every `commitMaxMs` while edits keep
 * coming; "Save version" commits at once. The author is whoever typed most since the last commit,
 * everyone else who typed is a co-author. Nothing is committed when the tree did not change.
 *
 * Who typed is kept in the store (debounced), so after a crash or restart the recovery scan
 * commits what was never committed with the right people on it. Which sessions need that is
 * decided by content: the live files against the head commit's tree.
 */
import fs from 'node:fs';
import {
  type CommitResult,
  commitSnapshot,
  type Identity,
  maintainRepo,
  openRepo,
  type Repo,
} from '../git/index.js';
import type { Logger } from '../log.js';
import { textOf } from '../ot/chunked-text.js';
import { EVENTS } from '../protocol/events.js';
import { COLLECTION_FILES, fileDocId, SESSION_ID_RE } from '../sessions/ids.js';
import { KeyedMutex } from '../sessions/mutex.js';
import type { SessionService } from '../sessions/service.js';
import type { ShareDBAdapter, Store } from '../storage/types.js';

export interface CommitWorkerOptions {
  store: Store;
  db: ShareDBAdapter;
  sessions: SessionService;
  reposDir: string;
  idleMs: number;
  maxMs: number;
  logger: Logger;
  notifySession: (sessionId: string, event: string, payload: unknown) => void;
}

interface Pending {
  /** When the first uncommitted edit arrived (ms). */
  first: number;
  /** When the latest one arrived (ms). */
  last: number;
  /** userId → characters typed since the last commit. */
  chars: Map<string, number>;
  timer?: NodeJS.Timeout;
  /** Failed attempts in a row, for back-off. */
  failures: number;
}

const PENDING_KEY = (sessionId: string) => `commit-pending:${sessionId}`;
const PERSIST_MS = 1000;
/** Run `git gc --auto`-style maintenance after this many commits to a repo in this process. */
const MAINTAIN_EVERY = 50;

export interface CommitRequest {
  message?: string;
  /** Who asked ("Save version", revert): author unless someone else typed more. */
  actorId?: string;
}

export class CommitWorker {
  private readonly pending = new Map<string, Pending>();
  private readonly locks = new KeyedMutex();
  private readonly persistTimers = new Map<string, NodeJS.Timeout>();
  private readonly commitsSinceMaintenance = new Map<string, number>();
  /** sessionId → fileId → document version the latest commit covered (this process only). */
  private readonly covered = new Map<string, Map<string, number>>();
  private stopped = false;

  constructor(private readonly o: CommitWorkerOptions) {}

  /** Records that `userId` changed `chars` characters (or the file tree) in a session. */
  noteEdit(sessionId: string, userId: string | null, chars: number): void {
    if (this.stopped) return;
    const now = Date.now();
    let p = this.pending.get(sessionId);
    if (!p) {
      p = { first: now, last: now, chars: new Map(), failures: 0 };
      this.pending.set(sessionId, p);
      this.arm(sessionId, p, this.o.idleMs);
    }
    p.last = now;
    if (userId) p.chars.set(userId, (p.chars.get(userId) ?? 0) + Math.max(1, chars));
    this.schedulePersist(sessionId);
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
   * After a start: commits every session whose live files differ from its head commit (edits
   * acknowledged before a crash, never committed), in the background, one at a time.
   */
  async recover(): Promise<void> {
    let names: string[];
    try {
      names = await fs.promises.readdir(this.o.reposDir);
    } catch {
      return;
    }
    for (const name of names) {
      if (this.stopped) return;
      const sessionId = name.endsWith('.git') ? name.slice(0, -4) : '';
      if (!SESSION_ID_RE.test(sessionId) || !(await this.o.store.sessions.byId(sessionId))) continue;
      try {
        const result = await this.commitNow(sessionId, { message: undefined });
        if (!result.unchanged)
          this.o.logger.info('committed edits left from before the restart', { sessionId, sha: result.sha });
      } catch (err) {
        this.o.logger.warn('recovery commit failed', { sessionId, err });
      }
    }
  }

  /** Stops scheduling and commits what is pending (bounded by the caller's patience). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const p of this.pending.values()) clearTimeout(p.timer);
    for (const t of this.persistTimers.values()) clearTimeout(t);
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
      .catch((err) => {
        this.o.logger.warn('commit failed; will retry', { sessionId, err });
      });
  }

  private async commit(sessionId: string, req: CommitRequest): Promise<CommitResult> {
    // Edits from here on belong to the next commit.
    const taken = this.pending.get(sessionId);
    if (taken) clearTimeout(taken.timer);
    this.pending.delete(sessionId);
    const chars = taken?.chars ?? new Map<string, number>();
    if (chars.size === 0) {
      // After a restart the tally lives in the store.
      const saved = await this.o.store.settings.get(PENDING_KEY(sessionId));
      if (saved)
        for (const [id, n] of Object.entries(JSON.parse(saved) as Record<string, number>)) chars.set(id, n);
    }
    try {
      const repo = await openRepo(this.o.reposDir, sessionId);
      const { files, versions } = await this.readLiveFiles(sessionId);
      // Record what moved since the last commit we made (everything, the first time).
      const before = this.covered.get(sessionId);
      const covers: Record<string, number> = {};
      for (const [fileId, v] of versions) if (before?.get(fileId) !== v) covers[fileId] = v;
      const { author, coAuthors } = await this.people(chars, req.actorId);
      const result = await commitSnapshot(repo, {
        files,
        author,
        coAuthors,
        covers,
        ...(req.message ? { message: req.message } : {}),
      });
      if (!this.pending.has(sessionId)) await this.o.store.settings.set(PENDING_KEY(sessionId), '');
      this.covered.set(sessionId, versions);
      if (!result.unchanged) {
        this.o.notifySession(sessionId, EVENTS.sessionEvent, { sessionId, type: 'version', sha: result.sha });
        this.afterCommit(repo, sessionId, covers);
      }
      return result;
    } catch (err) {
      // Put the tally back and retry later, backing off.
      const p = this.pending.get(sessionId) ?? {
        first: Date.now(),
        last: Date.now(),
        chars: new Map(),
        failures: 0,
      };
      for (const [id, n] of chars) p.chars.set(id, (p.chars.get(id) ?? 0) + n);
      p.failures = (taken?.failures ?? 0) + 1;
      this.pending.set(sessionId, p);
      if (!this.stopped) this.arm(sessionId, p, Math.min(60_000, this.o.idleMs * 2 ** p.failures));
      throw err;
    }
  }

  /** The session's files as they are now, with the document versions read. */
  private async readLiveFiles(sessionId: string) {
    const manifest = await this.o.sessions.manifest(sessionId);
    const entries = Object.entries(manifest.files);
    const ids = entries.map(([fileId]) => fileDocId(sessionId, fileId));
    const snapshots = await new Promise<Record<string, { v: number; data?: { text?: string } }>>(
      (resolve, reject) =>
        this.o.db.getSnapshotBulk(COLLECTION_FILES, ids, null, null, (err: unknown, res: never) =>
          err ? reject(err) : resolve(res),
        ),
    );
    const files: Array<{ path: string; content: string }> = [];
    const versions = new Map<string, number>();
    for (const [fileId, entry] of entries) {
      const snap = snapshots[fileDocId(sessionId, fileId)];
      const text = textOf(snap?.data?.text);
      // A file whose document is gone (deleted under us) is simply not in this version.
      if (typeof text !== 'string') continue;
      files.push({ path: entry.path, content: text });
      versions.set(fileId, snap!.v);
    }
    return { files, versions };
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
      if (u) identities.push(identityOf(u));
    }
    const [author = { name: 'Gitpad', email: 'gitpad@localhost' }, ...coAuthors] = identities;
    return { author, coAuthors };
  }

  private schedulePersist(sessionId: string): void {
    if (this.persistTimers.has(sessionId)) return;
    const t = setTimeout(() => {
      this.persistTimers.delete(sessionId);
      const p = this.pending.get(sessionId);
      if (!p) return;
      this.o.store.settings
        .set(PENDING_KEY(sessionId), JSON.stringify(Object.fromEntries(p.chars)))
        .catch((err) => this.o.logger.warn('could not save pending authors', { sessionId, err }));
    }, PERSIST_MS);
    t.unref?.();
    this.persistTimers.set(sessionId, t);
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

/** A user's git identity: display name and a non-routable address (`.invalid` is reserved for that). */
export function identityOf(u: { username: string; displayName: string }): Identity {
  return { name: u.displayName, email: `${u.username}@gitpad.invalid` };
}
