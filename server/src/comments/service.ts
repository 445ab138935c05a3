/**
 * Comments on the live text (issue 15, item 5). A thread sits on a character range of a file's
 * current text and moves with every edit, whoever makes it, because the server moves it: each op
 * written to the file's document (ot/backend.ts `onFileOp`) moves the anchors of the file's threads
 * held in memory, and the moved anchors are written back to the store lazily, in batches, each with
 * the document version it is right at (`anchorVersion`). The op log is the durable truth: a thread
 * read from the store (after a restart, or a crash that lost the last write-backs) is replayed
 * through the ops since its `anchorVersion` before anyone sees it.
 *
 * When the commit worker makes a version, every thread created or changed since it was last
 * written to git goes onto that commit as git notes (`noteVersion`), with the lines it covers in
 * that version, so the thread also shows as a line comment on the version in the history.
 */
import { randomUUID } from 'node:crypto';
import { AppError } from '../errors/app-error.js';
import { type Comment, type Repo, writeThreads } from '../git/index.js';
import type { Logger } from '../log/index.js';
import type { LiveClients } from '../ports/live-clients.js';
import { EVENTS } from '../protocol/events.js';
import {
  type LiveAnchor,
  type LiveCommentAuthor,
  type LiveCommentEvent,
  type LiveThread,
  linesOf,
  MAX_LIVE_COMMENT_CHARS,
  MAX_LIVE_QUOTE_CHARS,
  transformAnchor,
  untransformAnchor,
} from '../protocol/live-comments.js';
import type { Role } from '../protocol/roles.js';
import { COLLECTION_FILES, fileDocId } from '../sessions/ids.js';
import { KeyedMutex } from '../sessions/mutex.js';
import type { SessionService } from '../sessions/service.js';
import { textOf } from '../storage/embedded/chunked-text.js';
import type { LiveThreadRecord, ShareDBAdapter, Store } from '../storage/types.js';

export interface LiveCommentServiceOptions {
  store: Store;
  db: ShareDBAdapter;
  sessions: SessionService;
  logger: Logger;
  /** People connected now: thread changes reach the session through it. */
  live: LiveClients;
  /** How long moved anchors may wait in memory before they are written back, ms (default 2000). */
  writeBackMs?: number;
}

/** Who is acting: the signed-in user and their role in the session. */
export interface LiveCommentActor {
  id: string;
  role: Role;
}

interface StoredOp {
  v: number;
  op?: unknown;
  create?: unknown;
  del?: unknown;
}

/** One file's threads in memory, all with anchors right at document version `v`. */
interface FileThreads {
  sessionId: string;
  fileId: string;
  v: number;
  threads: Map<string, LiveThreadRecord>;
  /** Threads whose anchor moved since it was last written back. */
  moved: Set<string>;
}

/** Files whose threads are held in memory before idle ones are dropped. */
const MAX_HELD = 5000;

export class LiveCommentService {
  private readonly files = new Map<string, FileThreads>();
  /** Per file document: loads, catch-ups and changes people make run one at a time. */
  private readonly locks = new KeyedMutex();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly o: LiveCommentServiceOptions) {}

  /**
   * An op was written to file document `docId` at version `v` (ot/backend.ts): moves the anchors
   * of that file's threads in memory. An op out of order (one a catch-up already replayed, or one
   * past a gap the next catch-up fills) is left to `catchUp`.
   */
  onFileOp(docId: string, v: number, op: unknown): void {
    const file = this.files.get(docId);
    if (!file || file.v !== v) return;
    this.apply(file, op);
    file.v = v + 1;
  }

  /** The threads of a session (of one file when given), anchors as of now, oldest first. */
  async list(sessionId: string, fileId?: string): Promise<LiveThread[]> {
    let fileIds: string[];
    if (fileId !== undefined) {
      await this.checkFile(sessionId, fileId);
      fileIds = [fileId];
    } else {
      // Files still in the session; threads on deleted files stay in the store and in git.
      const live = (await this.o.sessions.manifest(sessionId)).files;
      fileIds = [...new Set((await this.o.store.liveComments.list(sessionId)).map((t) => t.fileId))].filter(
        (id) => live[id] && !live[id].blob,
      );
    }
    const out: LiveThread[] = [];
    const people = this.people();
    for (const id of fileIds) {
      const file = await this.locked(sessionId, id, (f) => Promise.resolve(f));
      for (const t of file.threads.values()) out.push(await this.toApi(t, file.v, people));
    }
    return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  /**
   * Starts a thread on `anchor`, offsets in the file's text at document version `v` (the version
   * the client's text was at: it is moved through whatever was written since).
   */
  async create(
    sessionId: string,
    fileId: string,
    actor: LiveCommentActor,
    input: { anchor: LiveAnchor; v: number; body: string },
  ): Promise<LiveThread> {
    const body = checkBody(input.body);
    const { from, to } = input.anchor;
    if (!(Number.isSafeInteger(from) && Number.isSafeInteger(to) && from >= 0 && to > from)) {
      throw new AppError('ERR_INVALID_RANGE', 'A comment covers a range of the text: 0 ≤ from < to.');
    }
    await this.checkFile(sessionId, fileId);
    const thread = await this.locked(sessionId, fileId, async (file) => {
      const snapshot = await this.snapshot(sessionId, fileId);
      if (input.v > snapshot.v || input.v < 0) {
        throw new AppError('ERR_VALIDATION', `The file is at version ${snapshot.v}; v must not be past it.`);
      }
      let anchor = { from, to };
      for (const op of await this.ops(sessionId, fileId, input.v, snapshot.v))
        anchor = transformAnchor(anchor, op.op);
      if (anchor.to > snapshot.text.length) {
        throw new AppError('ERR_INVALID_RANGE', 'The range is outside the text of the file.');
      }
      if (anchor.to <= anchor.from) {
        throw new AppError('ERR_INVALID_RANGE', 'The text you selected was deleted meanwhile.');
      }
      const quote = snapshot.text.slice(anchor.from, anchor.to).slice(0, MAX_LIVE_QUOTE_CHARS);
      // The file's threads may be behind the snapshot (ops whose hook has not run) or past it.
      if (file.v < snapshot.v) await this.catchUp(file);
      for (const op of await this.ops(sessionId, fileId, snapshot.v, file.v))
        anchor = transformAnchor(anchor, op.op);
      const record: LiveThreadRecord = {
        id: randomUUID(),
        sessionId,
        fileId,
        from: anchor.from,
        to: anchor.to,
        anchorVersion: file.v,
        quote,
        detached: false,
        authorId: actor.id,
        body,
        createdAt: Date.now(),
        editedAt: null,
        resolved: false,
        replies: [],
        rev: 1,
        notedRev: 0,
      };
      await this.o.store.liveComments.put(record);
      file.threads.set(record.id, record);
      return record;
    });
    return this.announce(thread);
  }

  /** Adds a reply to a thread. */
  async reply(
    sessionId: string,
    threadId: string,
    actor: LiveCommentActor,
    text: string,
  ): Promise<LiveThread> {
    const body = checkBody(text);
    return this.change(sessionId, threadId, (t) => {
      t.replies.push({ id: randomUUID(), authorId: actor.id, body, createdAt: Date.now(), editedAt: null });
    });
  }

  /** Changes the body of the thread (`replyId` absent) or of a reply. Only its author may. */
  async edit(
    sessionId: string,
    threadId: string,
    replyId: string | undefined,
    actor: LiveCommentActor,
    text: string,
  ): Promise<LiveThread> {
    const body = checkBody(text);
    return this.change(sessionId, threadId, (t) => {
      const target = replyId === undefined ? t : t.replies.find((r) => r.id === replyId);
      if (!target) throw commentNotFound();
      if (target.authorId !== actor.id) {
        throw new AppError('ERR_FORBIDDEN', 'Only the author of a comment can change it.');
      }
      target.body = body;
      target.editedAt = Date.now();
    });
  }

  /**
   * Deletes a thread with its replies (`replyId` absent) or one reply: its author may, and the
   * session's owner may delete anyone's. Versions it was already written to keep it (history).
   */
  async remove(sessionId: string, threadId: string, replyId: string | undefined, actor: LiveCommentActor) {
    const existing = await this.o.store.liveComments.get(sessionId, threadId);
    if (!existing) throw commentNotFound();
    const mayDelete = (authorId: string) => authorId === actor.id || actor.role === 'owner';
    if (replyId !== undefined) {
      await this.change(sessionId, threadId, (t) => {
        const reply = t.replies.find((r) => r.id === replyId);
        if (!reply) throw commentNotFound();
        if (!mayDelete(reply.authorId)) throw notYours();
        t.replies = t.replies.filter((r) => r.id !== replyId);
      });
      return;
    }
    await this.locked(sessionId, existing.fileId, async (file) => {
      const t = file.threads.get(threadId);
      if (!t) throw commentNotFound();
      if (!mayDelete(t.authorId)) throw notYours();
      await this.o.store.liveComments.delete(sessionId, threadId);
      file.threads.delete(threadId);
      file.moved.delete(threadId);
    });
    const event: LiveCommentEvent = {
      sessionId,
      type: 'liveComment',
      fileId: existing.fileId,
      removed: threadId,
    };
    this.o.live.notifySession(sessionId, EVENTS.sessionEvent, event);
  }

  /** Marks a thread resolved, or open again. */
  async resolve(sessionId: string, threadId: string, resolved: boolean): Promise<LiveThread> {
    return this.change(sessionId, threadId, (t) => {
      t.resolved = resolved;
    });
  }

  /**
   * After the commit worker made version `sha`: writes every thread created or changed since it
   * was last written, on a file in that version, as notes on `sha`, with the lines it covered in
   * the text the commit holds (`files`: fileId → its path, text and document version there).
   * Call it before the op log below those versions is compacted.
   */
  async noteVersion(
    repo: Repo,
    sessionId: string,
    sha: string,
    files: Map<string, { path: string; text: string; v: number }>,
  ): Promise<void> {
    const pending = (await this.o.store.liveComments.list(sessionId)).filter(
      (t) => t.rev > t.notedRev && files.has(t.fileId),
    );
    if (pending.length === 0) return;
    const people = this.people();
    const threads: Comment[][] = [];
    const noted: Array<{ id: string; rev: number }> = [];
    for (const fileId of new Set(pending.map((t) => t.fileId))) {
      const at = files.get(fileId)!;
      const current = await this.locked(sessionId, fileId, async (file) => {
        // Back from where the threads are now to the version the commit holds.
        const since = file.v > at.v ? await this.ops(sessionId, fileId, at.v, file.v) : [];
        return [...file.threads.values()].map((t) => {
          let anchor: LiveAnchor = { from: t.from, to: t.to };
          for (let i = since.length - 1; i >= 0; i--) anchor = untransformAnchor(anchor, since[i]!.op);
          return { ...t, from: anchor.from, to: anchor.to };
        });
      });
      for (const t of current) {
        const stored = pending.find((p) => p.id === t.id);
        if (!stored) continue;
        const { line, endLine } = linesOf(at.text, t);
        const root: Comment = {
          id: t.id,
          author: await people(t.authorId),
          body: t.body,
          path: at.path,
          line,
          ...(endLine > line ? { endLine } : {}),
          createdAt: new Date(t.createdAt).toISOString(),
          ...(t.editedAt ? { editedAt: new Date(t.editedAt).toISOString() } : {}),
          ...(t.resolved ? { resolved: true } : {}),
        };
        const replies: Comment[] = [];
        for (const r of t.replies) {
          replies.push({
            id: r.id,
            author: await people(r.authorId),
            body: r.body,
            createdAt: new Date(r.createdAt).toISOString(),
            ...(r.editedAt ? { editedAt: new Date(r.editedAt).toISOString() } : {}),
            parentId: t.id,
          });
        }
        threads.push([root, ...replies]);
        noted.push({ id: t.id, rev: stored.rev });
      }
    }
    await writeThreads(repo, sha, threads);
    await this.o.store.liveComments.markNoted(sessionId, noted);
    this.o.live.notifySession(sessionId, EVENTS.sessionEvent, { sessionId, type: 'comments', sha });
  }

  /** Writes every moved anchor back now (also runs on a timer). */
  async writeBack(): Promise<void> {
    for (const [docId, file] of this.files) {
      if (file.moved.size === 0) continue;
      await this.locks.run(docId, async () => {
        const anchors = [...file.moved].flatMap((id) => {
          const t = file.threads.get(id);
          return t
            ? [{ id, from: t.from, to: t.to, anchorVersion: t.anchorVersion, detached: t.detached }]
            : [];
        });
        file.moved.clear();
        await this.o.store.liveComments.moveAnchors(file.sessionId, anchors);
      });
    }
  }

  /** Writes back what is pending and stops the timer; call before the store closes. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.writeBack().catch((err) =>
      this.o.logger.warn('live comment anchors not written back', { err }),
    );
    await this.locks.drain();
  }

  // ---- internals ------------------------------------------------------------------------------

  private async change(
    sessionId: string,
    threadId: string,
    fn: (t: LiveThreadRecord) => void,
  ): Promise<LiveThread> {
    const existing = await this.o.store.liveComments.get(sessionId, threadId);
    if (!existing) throw commentNotFound();
    const thread = await this.locked(sessionId, existing.fileId, async (file) => {
      const t = file.threads.get(threadId);
      if (!t) throw commentNotFound();
      const next = structuredClone(t);
      fn(next);
      next.rev++;
      await this.o.store.liveComments.put(next);
      file.threads.set(threadId, next);
      file.moved.delete(threadId);
      return next;
    });
    return this.announce(thread);
  }

  private async announce(t: LiveThreadRecord): Promise<LiveThread> {
    const thread = await this.toApi(t, t.anchorVersion, this.people());
    const event: LiveCommentEvent = { sessionId: t.sessionId, type: 'liveComment', fileId: t.fileId, thread };
    this.o.live.notifySession(t.sessionId, EVENTS.sessionEvent, event);
    return thread;
  }

  /** Runs `fn` with the file's threads loaded and caught up, holding the file's lock. */
  private locked<T>(sessionId: string, fileId: string, fn: (file: FileThreads) => Promise<T>): Promise<T> {
    const docId = fileDocId(sessionId, fileId);
    return this.locks.run(docId, async () => {
      let file = this.files.get(docId);
      if (!file) {
        file = await this.load(sessionId, fileId);
        this.forgetIdle();
        this.files.set(docId, file);
      }
      await this.catchUp(file);
      return fn(file);
    });
  }

  /**
   * Bounds the files held in memory: past MAX_HELD, those with nothing waiting to be written back
   * are dropped; the next read loads them again from the store and op log.
   */
  private forgetIdle(): void {
    if (this.files.size < MAX_HELD) return;
    for (const [docId, file] of this.files) {
      // Work holding a dropped entry still writes through to the store, which the reload reads.
      if (file.moved.size === 0) this.files.delete(docId);
    }
  }

  /** Reads a file's threads from the store and replays each through the ops since its anchor. */
  private async load(sessionId: string, fileId: string): Promise<FileThreads> {
    const stored = await this.o.store.liveComments.list(sessionId, fileId);
    const file: FileThreads = { sessionId, fileId, v: 0, threads: new Map(), moved: new Set() };
    if (stored.length === 0) {
      file.v = (await this.snapshot(sessionId, fileId, false)).v;
      return file;
    }
    const from = Math.min(...stored.map((t) => t.anchorVersion));
    let ops: StoredOp[];
    try {
      ops = await this.ops(sessionId, fileId, from, null);
    } catch (err) {
      // The ops were compacted away (anchors not written back for longer than the op log keeps
      // ops): the anchors are kept where they were last written, as the best there is.
      this.o.logger.warn('live comment anchors could not be replayed', { sessionId, fileId, from, err });
      ops = [];
      const v = (await this.snapshot(sessionId, fileId, false)).v;
      for (const t of stored) t.anchorVersion = v;
    }
    file.v = ops.length > 0 ? ops[ops.length - 1]!.v + 1 : Math.max(...stored.map((t) => t.anchorVersion));
    for (const t of stored) {
      file.threads.set(t.id, t);
      const later = ops.filter((op) => op.v >= t.anchorVersion);
      if (later.length === 0 && t.anchorVersion === file.v) continue;
      for (const op of later) this.move(t, op.op);
      t.anchorVersion = file.v;
      file.moved.add(t.id);
    }
    if (file.moved.size > 0) this.schedule();
    return file;
  }

  /** Replays ops the hook did not see (written while the file was loading, or out of order). */
  private async catchUp(file: FileThreads): Promise<void> {
    const ops = await this.ops(file.sessionId, file.fileId, file.v, null);
    for (const op of ops) {
      if (op.v !== file.v) continue;
      this.apply(file, op.op);
      file.v = op.v + 1;
    }
  }

  /** Moves every thread of `file` through `op`, marking them for write-back. */
  private apply(file: FileThreads, op: unknown): void {
    if (file.threads.size === 0) return;
    for (const t of file.threads.values()) {
      this.move(t, op);
      t.anchorVersion = file.v + 1;
      file.moved.add(t.id);
    }
    this.schedule();
  }

  private move(t: LiveThreadRecord, op: unknown): void {
    if (op === undefined) return;
    const next = transformAnchor({ from: t.from, to: t.to }, op);
    t.from = next.from;
    t.to = next.to;
    if (next.to <= next.from && !t.detached) t.detached = true;
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.writeBack().catch((err) => this.o.logger.warn('live comment anchors not written back', { err }));
    }, this.o.writeBackMs ?? 2000);
    this.timer.unref?.();
  }

  private ops(sessionId: string, fileId: string, from: number, to: number | null): Promise<StoredOp[]> {
    if (to !== null && from >= to) return Promise.resolve([]);
    return new Promise((resolve, reject) =>
      this.o.db.getOps(
        COLLECTION_FILES,
        fileDocId(sessionId, fileId),
        from,
        to,
        null,
        (err: unknown, ops: StoredOp[]) =>
          err
            ? reject(
                new AppError(
                  'ERR_CONFLICT',
                  'The edits since that version are no longer kept; reload the file and try again.',
                ),
              )
            : resolve(ops),
      ),
    );
  }

  /** The file's text and version now; ERR_FILE_DELETED when its document is gone (`require`). */
  private snapshot(sessionId: string, fileId: string, require = true): Promise<{ v: number; text: string }> {
    return new Promise((resolve, reject) =>
      this.o.db.getSnapshot(
        COLLECTION_FILES,
        fileDocId(sessionId, fileId),
        null,
        null,
        (err: unknown, snap: { v: number; type: unknown; data?: { text?: unknown } }) => {
          if (err) return reject(err);
          const text = textOf(snap.data?.text);
          if (require && (!snap.type || text === undefined)) return reject(fileDeleted());
          resolve({ v: snap.v, text: text ?? '' });
        },
      ),
    );
  }

  /** ERR_FILE_NOT_FOUND for a file the session never had, ERR_FILE_DELETED for one it no longer has. */
  private async checkFile(sessionId: string, fileId: string): Promise<void> {
    const manifest = await this.o.sessions.manifest(sessionId);
    const entry = manifest.files[fileId];
    if (entry?.blob) throw new AppError('ERR_VALIDATION', 'Comments go on text files; this one is binary.');
    if (entry) return;
    const snap = await this.snapshot(sessionId, fileId, false);
    if (snap.v > 0) throw fileDeleted();
    throw new AppError('ERR_FILE_NOT_FOUND', 'File not found.');
  }

  /** A memoized lookup of authors for one answer. */
  private people(): (id: string) => Promise<LiveCommentAuthor> {
    const seen = new Map<string, Promise<LiveCommentAuthor>>();
    return (id) => {
      let p = seen.get(id);
      if (!p) {
        p = this.o.store.users
          .byId(id)
          .then((u) =>
            u
              ? { id, username: u.username, displayName: u.displayName }
              : { id, username: 'deleted', displayName: 'Deleted user' },
          );
        seen.set(id, p);
      }
      return p;
    };
  }

  private async toApi(t: LiveThreadRecord, v: number, people: (id: string) => Promise<LiveCommentAuthor>) {
    const iso = (ms: number) => new Date(ms).toISOString();
    const thread: LiveThread = {
      id: t.id,
      fileId: t.fileId,
      anchor: { from: t.from, to: t.to },
      v,
      quote: t.quote,
      detached: t.detached,
      author: await people(t.authorId),
      body: t.body,
      createdAt: iso(t.createdAt),
      ...(t.editedAt ? { editedAt: iso(t.editedAt) } : {}),
      resolved: t.resolved,
      replies: await Promise.all(
        t.replies.map(async (r) => ({
          id: r.id,
          author: await people(r.authorId),
          body: r.body,
          createdAt: iso(r.createdAt),
          ...(r.editedAt ? { editedAt: iso(r.editedAt) } : {}),
        })),
      ),
    };
    return thread;
  }
}

function checkBody(body: unknown): string {
  if (typeof body !== 'string') throw new AppError('ERR_VALIDATION', 'A comment is text.');
  const text = body.replace(/\r\n?/g, '\n').trim();
  if (!text) throw new AppError('ERR_VALIDATION', 'A comment cannot be empty.');
  if (text.length > MAX_LIVE_COMMENT_CHARS) {
    throw new AppError('ERR_TOO_LARGE', `A comment is at most ${MAX_LIVE_COMMENT_CHARS} characters.`);
  }
  return text;
}

const commentNotFound = () => new AppError('ERR_COMMENT_NOT_FOUND', 'That comment does not exist.');
const notYours = () =>
  new AppError('ERR_FORBIDDEN', 'Only the author of a comment, or the session’s owner, can delete it.');
const fileDeleted = () => new AppError('ERR_FILE_DELETED', 'This file was deleted.');
