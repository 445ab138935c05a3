/**
 * Versions of a session as the API presents them: history, a version's files, diffs (against a
 * parent, another version or the live text), revert, tags and comments. Git does the work
 * (server/src/git); this module adds the session's live documents and the people.
 */

import { gitIdentity } from '../auth/git-identity.js';
import { AppError } from '../errors/app-error.js';
import { type GitStream, gitOutput } from '../git/cli-stream.js';
import {
  addComment,
  type Comment,
  type CommitResult,
  commentCounts,
  comparePaths,
  createTag,
  type DiffEngine,
  deleteComment,
  diffCommit,
  diffCommits,
  diffWithFiles,
  editComment,
  type FileDiff,
  headSha,
  latestWithFile,
  listComments,
  log,
  nameVersion,
  openRepo,
  type Repo,
  readBlob,
  readEntry,
  readFileAt,
  readTreeFiles,
  readVersionFile,
  resolveSha,
  resolveThread,
  tagsByCommit,
  type VersionFile,
} from '../git/index.js';
import { authorOf } from '../ot/authorship.js';
import type { Connection, TypedDoc } from '../ot/docs.js';
import { submitOp, withDoc } from '../ot/docs.js';
import type { DocSeals } from '../ot/index.js';
import type { LiveClients } from '../ports/live-clients.js';
import type { ManifestBlob } from '../protocol/binary.js';
import {
  EVENTS,
  type EventActor,
  type MovedEvent,
  type RevertDiffers,
  type RevertedEvent,
} from '../protocol/events.js';
import { textDiffOp } from '../protocol/text-diff.js';
import { NAMED_KINDS, type VersionKind } from '../protocol/versions.js';
import { COLLECTION_FILES, fileDocId } from '../sessions/ids.js';
import { validatePath } from '../sessions/paths.js';
import type { FileInfo, FolderMove, ManifestEntry, SessionService } from '../sessions/service.js';
import type { ShareDBAdapter, Store } from '../storage/types.js';
import type { CommitWorker, WorkerCommitResult } from './worker.js';
import type { ZipEntry } from './zip.js';

export interface VersionServiceOptions {
  store: Store;
  conn: Connection;
  sessions: SessionService;
  worker: CommitWorker;
  reposDir: string;
  /** People connected now: version, failure and change events reach them through it. */
  live: LiveClients;
  /** Runs text diffs and history stats off the event loop (the server's DiffPool). */
  diffEngine: DiffEngine;
  /** Most hunk lines one diff answer carries (config `diffMaxLines`). */
  diffMaxLines: number;
  /** Domain of the default commit e-mail (config `gitEmailDomain`): tags carry the tagger's. */
  gitEmailDomain: string;
  /** Seals a file's document before it is deleted (the ShareDB backend). */
  seals: DocSeals;
  /** A fresh trusted connection of the server's own, closed by the caller (revert's private docs). */
  connect: () => Connection;
  /** The op log, for who typed in a file while a revert ran. */
  db: ShareDBAdapter;
}

export interface Actor {
  id: string;
  username: string;
  displayName: string;
  /** The actor's own git name and e-mail, when set (auth/git-identity.ts). */
  gitName?: string | null;
  gitEmail?: string | null;
}

/** A file a revert changes: its document (private to the revert), read at version `v`. */
interface RevertEdit {
  fileId: string;
  path: string;
  doc: TypedDoc<{ text: string }>;
  /** The target's text. */
  wanted: string;
  v: number;
}

export class VersionService {
  constructor(private readonly o: VersionServiceOptions) {}

  repo(sessionId: string): Promise<Repo> {
    return openRepo(this.o.reposDir, sessionId);
  }

  /** One page of history, newest first; `named`: only versions people made on purpose or tagged. */
  async history(sessionId: string, opts: { limit?: number; before?: string; named?: boolean }) {
    const repo = await this.repo(sessionId);
    const tags = await tagsByCommit(repo);
    const { named, ...page } = opts;
    const keep = named
      ? (sha: string, kind: VersionKind) => NAMED_KINDS.includes(kind) || tags.has(sha)
      : undefined;
    const [entries, comments] = await Promise.all([
      log(repo, { ...page, engine: this.o.diffEngine, ...(keep ? { keep } : {}) }),
      commentCounts(repo),
    ]);
    return entries.map((e) => ({
      sha: e.sha,
      message: e.message,
      subject: e.subject,
      author: e.author,
      coAuthors: e.coAuthors,
      time: e.time,
      parents: e.parents,
      kind: e.kind,
      stats: e.stats,
      tags: (tags.get(e.sha) ?? []).map((t) => t.name),
      comments: comments.get(e.sha) ?? 0,
    }));
  }

  /**
   * Names an autosave after the fact ("Save version" with a message when the worker had already
   * committed everything): it then lists as a save with that message. False for other versions.
   */
  async nameVersion(sessionId: string, sha: string, name: string): Promise<boolean> {
    const named = await nameVersion(await this.repo(sessionId), sha, name);
    if (named) this.o.live.notifySession(sessionId, EVENTS.sessionEvent, { sessionId, type: 'version', sha });
    return named;
  }

  async version(sessionId: string, sha: string) {
    const repo = await this.repo(sessionId);
    const entry = await readEntry(repo, sha, { engine: this.o.diffEngine });
    const files = [...(await readTreeFiles(repo, entry.sha)).values()];
    return {
      ...entry,
      // Text: its length in characters; a binary file: bytes, and `binary: true`.
      files: files.map((f) =>
        'blob' in f
          ? { path: f.path, size: f.blob.size, binary: true }
          : { path: f.path, size: f.content.length },
      ),
    };
  }

  /** One file of a version: its text, or a binary file's bytes. */
  async fileInVersion(
    sessionId: string,
    sha: string,
    path: string,
  ): Promise<{ content: string } | { bytes: Buffer }> {
    const repo = await this.repo(sessionId);
    const file = await readVersionFile(repo, sha, path);
    if ('blob' in file) return { bytes: Buffer.from(await readBlob(repo, file.blob.oid)) };
    return { content: file.content };
  }

  async fileAt(sessionId: string, sha: string, path: string): Promise<string> {
    return readFileAt(await this.repo(sessionId), sha, path);
  }

  /**
   * Diff of `sha` against `base` (a version; default its parent), or from `sha` to the live files.
   * Files past `diffMaxLines` come back `tooLarge`; past the engine's time cap, ERR_DIFF_TOO_LARGE.
   */
  async diff(sessionId: string, sha: string, base: string | undefined): Promise<FileDiff[]> {
    const repo = await this.repo(sessionId);
    const opts = { engine: this.o.diffEngine, maxLines: this.o.diffMaxLines };
    if (sha === 'live') {
      const from = base ?? (await headSha(repo));
      const manifest = await this.o.sessions.manifest(sessionId);
      const blobs = Object.values(manifest.files)
        .filter((f) => f.blob)
        .map((f) => ({ path: f.path, blob: f.blob! }));
      return diffWithFiles(repo, from, [...(await this.liveFiles(sessionId)), ...blobs], opts);
    }
    if (base === undefined) return diffCommit(repo, sha, opts);
    return diffCommits(repo, base, sha, opts);
  }

  /**
   * Deletes a file so that nothing anyone saw acknowledged is lost: the document is sealed (edits
   * arriving from now on are refused with ERR_FILE_DELETED), the session's live state is committed
   * ("Before deleting <path>") if anything is uncommitted, then the file goes and the deletion is
   * a version of its own. Everyone is told who deleted what, and which version holds its text.
   */
  async deleteFile(sessionId: string, fileId: string, actor: Actor): Promise<{ sha: string | null }> {
    return this.o.worker.exclusive(sessionId, async (commit) => {
      const entry = (await this.o.sessions.manifest(sessionId)).files[fileId];
      if (!entry) throw new AppError('ERR_FILE_NOT_FOUND', 'File not found.');
      const kept = await this.keepThenDelete(sessionId, [[fileId, entry.path]], actor, () =>
        commit({ message: `Before deleting ${entry.path}`, actorId: actor.id, kind: 'before' }),
      );
      await commit({ message: `Delete ${entry.path}`, actorId: actor.id, kind: 'delete' });
      return { sha: kept };
    });
  }

  /**
   * Seals `files`, commits what is live (`commitBefore`), then deletes them and tells everyone.
   * Returns the version holding their last text. A failed commit lifts the seals: nothing is
   * deleted that git does not hold.
   */
  async keepThenDelete(
    sessionId: string,
    files: Array<[fileId: string, path: string]>,
    actor: Actor,
    commitBefore: () => Promise<CommitResult>,
  ): Promise<string | null> {
    const docIds = files.map(([fileId]) => fileDocId(sessionId, fileId));
    let kept: CommitResult;
    try {
      await Promise.all(docIds.map((id) => this.o.seals.seal(COLLECTION_FILES, id)));
      kept = await commitBefore();
    } catch (err) {
      for (const id of docIds) this.o.seals.unseal(COLLECTION_FILES, id);
      throw err;
    }
    try {
      for (const [fileId, path] of files) {
        await this.o.sessions.deleteFile(sessionId, fileId, actor.id);
        this.o.live.notifySession(sessionId, EVENTS.sessionEvent, {
          sessionId,
          type: 'fileDeleted',
          fileId,
          path,
          by: eventActor(actor),
          sha: kept.sha,
        });
      }
    } finally {
      // A deleted document refuses edits by itself (ERR_FILE_DELETED too); one left undeleted by
      // a failure takes edits again.
      for (const id of docIds) this.o.seals.unseal(COLLECTION_FILES, id);
    }
    return kept.sha;
  }

  /**
   * Moves a folder with everything under it (SessionService.moveFolder: one manifest op, all or
   * nothing) and commits it at once as ONE version, "Move <from>/ to <to>/", holding the session's
   * live text (nothing else can commit between the op and the commit). Everyone is told who moved
   * what. A commit that fails leaves the move done and the commit to the worker's retries.
   */
  async moveFolder(
    sessionId: string,
    input: { from: unknown; to: unknown },
    actor: Actor,
  ): Promise<FolderMove & { sha: string | null }> {
    return this.o.worker.exclusive(sessionId, async (commit) => {
      const move = await this.o.sessions.moveFolder(sessionId, input, actor.id);
      if (move.from === move.to) return { ...move, sha: null };
      let sha: string | null = null;
      if (move.files.length > 0) {
        try {
          const result = await commit({
            message: `Move ${move.from}/ to ${move.to}/`,
            actorId: actor.id,
            kind: 'move',
          });
          sha = result.unchanged ? null : result.sha;
        } catch {
          // The worker logged it, told the session and will retry; the move itself stands.
        }
      }
      this.o.live.notifySession(sessionId, EVENTS.sessionEvent, {
        sessionId,
        type: 'moved',
        kind: 'folder',
        from: move.from,
        to: move.to,
        by: eventActor(actor),
        sha,
      } satisfies MovedEvent);
      return { ...move, sha };
    });
  }

  /**
   * Renames or moves one file (SessionService.updateFile, which also changes its language) and,
   * when its path changed, tells everyone who moved it where.
   */
  async updateFile(
    sessionId: string,
    fileId: string,
    input: { path?: unknown; language?: unknown },
    actor: Actor,
  ): Promise<FileInfo> {
    const { previousPath, ...file } = await this.o.sessions.updateFile(sessionId, fileId, input, actor.id);
    if (file.path !== previousPath) {
      this.o.live.notifySession(sessionId, EVENTS.sessionEvent, {
        sessionId,
        type: 'moved',
        kind: 'file',
        fileId,
        from: previousPath,
        to: file.path,
        by: eventActor(actor),
      } satisfies MovedEvent);
    }
    return file;
  }

  /**
   * Brings a deleted file back at `path`: with `content` (an editor's local copy, which may hold
   * edits refused after the delete), else from version `sha`, else from the newest version that
   * has the path. The same validation and limits as creating a file.
   */
  async restoreFile(
    sessionId: string,
    input: { path: unknown; sha?: string | undefined; content?: unknown },
    actor: Actor,
  ): Promise<FileInfo & { sha: string | null }> {
    const path = validatePath(input.path);
    let sha: string | null = null;
    let file: FileInfo;
    if (input.content === undefined) {
      const repo = await this.repo(sessionId);
      sha = input.sha === undefined ? await latestWithFile(repo, path) : await resolveSha(repo, input.sha);
      if (sha === null) throw new AppError('ERR_FILE_NOT_FOUND', `No version holds ${path}.`);
      // Text or binary as the version holds it; a binary file points at the same blob again.
      const [made] = await this.o.sessions.addFiles(
        sessionId,
        [{ ...(await readVersionFile(repo, sha, path)), path }],
        {},
        actor.id,
      );
      file = made!;
    } else {
      file = await this.o.sessions.createFile(sessionId, { path, content: input.content }, actor.id);
    }
    this.o.live.notifySession(sessionId, EVENTS.sessionEvent, {
      sessionId,
      type: 'fileRestored',
      fileId: file.id,
      path: file.path,
      by: eventActor(actor),
      sha,
    });
    return { ...file, sha };
  }

  /**
   * Applies a version's files to the live documents as ordinary edits (every open editor updates in
   * place), then commits the result as a new commit. History is never rewritten, and nothing typed
   * is lost: the live state is committed first ("Before revert"), each file's change is a minimal
   * diff submitted at the document version it was computed from (ShareDB transforms it through
   * whatever was typed since, which stays), and files the target lacks go through the delete path.
   * `differs` lists the files left unlike the target, and who typed in them meanwhile.
   */
  async revert(sessionId: string, sha: string, actor: Actor) {
    const repo = await this.repo(sessionId);
    const full = await resolveSha(repo, sha);
    const target = await readTreeFiles(repo, full);
    const entry = await readEntry(repo, full, { engine: this.o.diffEngine });
    const short = full.slice(0, 7);
    // Private docs: nothing else fetches them, so they stay at the version read until submitted.
    const conn = this.o.connect();
    try {
      return await this.o.worker.exclusive(sessionId, async (commit) => {
        const current = Object.entries((await this.o.sessions.manifest(sessionId)).files);
        // A file whose kind changes (text ↔ binary) goes and comes back as the target has it.
        const sameKind = (f: ManifestEntry, t: VersionFile) => Boolean(f.blob) === 'blob' in t;
        const doomed = current
          .filter(([, f]) => {
            const t = target.get(f.path);
            return t === undefined || !sameKind(f, t);
          })
          .map(([id, f]) => [id, f.path] as [string, string]);
        // Read before the "Before revert" commit, which then holds at least what the edits remove.
        const edits: RevertEdit[] = [];
        const blobs: Array<[fileId: string, VersionFile & { blob: ManifestBlob }]> = [];
        const modes: Array<[fileId: string, VersionFile['mode']]> = [];
        for (const [fileId, f] of current) {
          const wanted = target.get(f.path);
          if (wanted === undefined || !sameKind(f, wanted)) continue;
          if ('blob' in wanted) {
            blobs.push([fileId, wanted]);
            continue;
          }
          const doc = conn.get(COLLECTION_FILES, fileDocId(sessionId, fileId)) as TypedDoc<{ text: string }>;
          await new Promise<void>((resolve, reject) => doc.fetch((err) => (err ? reject(err) : resolve())));
          if (doc.type)
            edits.push({ fileId, path: f.path, doc, wanted: wanted.content, v: doc.version ?? 0 });
          if ((f.mode ?? undefined) !== wanted.mode) modes.push([fileId, wanted.mode]);
        }
        // What was typed but not yet in a version is kept there: the event names it and its typists.
        let unsaved: WorkerCommitResult | null = null;
        const before = async () => {
          unsaved = await commit({ message: `Before revert to ${short}`, actorId: actor.id, kind: 'before' });
          return unsaved;
        };
        if (doomed.length > 0) await this.keepThenDelete(sessionId, doomed, actor, before);
        else await before();
        for (const e of edits) {
          const op = textDiffOp(e.doc.data.text, e.wanted);
          if (op.length === 0) continue;
          try {
            await submitOp(e.doc, op, { revert: full });
          } catch (err) {
            // Deleted meanwhile (by someone else): nothing of it to revert.
            const code = (err as { code?: unknown }).code;
            if (code !== 'ERR_FILE_DELETED' && code !== 'ERR_DOC_WAS_DELETED') throw err;
            continue;
          }
          this.o.worker.noteEdit(sessionId, actor.id, e.wanted.length);
        }
        for (const [fileId, t] of blobs) {
          await this.o.sessions.setBlob(sessionId, fileId, t.blob, t.mode, actor.id).catch((err) => {
            if ((err as { code?: unknown }).code !== 'ERR_FILE_NOT_FOUND') throw err;
          });
        }
        for (const [fileId, mode] of modes) {
          await this.o.sessions.setMode(sessionId, fileId, mode, actor.id).catch((err) => {
            if ((err as { code?: unknown }).code !== 'ERR_FILE_NOT_FOUND') throw err;
          });
        }
        // Everything the target has that the session now lacks, as one manifest op.
        const kept = new Set(
          current.filter(([id]) => !doomed.some(([d]) => d === id)).map(([, f]) => f.path),
        );
        const missing = [...target.values()].filter((t) => !kept.has(t.path));
        if (missing.length > 0) await this.o.sessions.addFiles(sessionId, missing, {}, actor.id);
        const result = await commit({
          message: `Revert to ${short}: ${entry.subject}`,
          actorId: actor.id,
          kind: 'revert',
        });
        const differs = await this.whoDiffers(sessionId, edits);
        this.o.live.notifySession(sessionId, EVENTS.sessionEvent, {
          sessionId,
          type: 'reverted',
          sha: full,
          version: result.sha,
          by: eventActor(actor),
          differs,
          kept: keptOf(unsaved),
        } satisfies RevertedEvent);
        return { ...result, differs };
      });
    } finally {
      conn.close();
    }
  }

  /** Files whose live text is not the revert's target now, with who typed in them since it read them. */
  private async whoDiffers(sessionId: string, edits: RevertEdit[]): Promise<RevertDiffers[]> {
    const differs: RevertDiffers[] = [];
    for (const e of edits) {
      await new Promise<void>((resolve, reject) => e.doc.fetch((err) => (err ? reject(err) : resolve())));
      if (!e.doc.type || e.doc.data.text === e.wanted) continue;
      const ops = await new Promise<Array<{ m?: Record<string, unknown> }>>((resolve, reject) =>
        this.o.db.getOps(
          COLLECTION_FILES,
          fileDocId(sessionId, e.fileId),
          e.v,
          null,
          { metadata: true },
          (err: unknown, res: never) => (err ? reject(err) : resolve(res)),
        ),
      );
      const ids = [...new Set(ops.map(authorOf).filter((id): id is string => id !== undefined))];
      const by: string[] = [];
      for (const id of ids) by.push((await this.o.store.users.byId(id))?.displayName ?? '(deleted user)');
      differs.push({ path: e.path, by });
    }
    return differs;
  }

  async tag(sessionId: string, sha: string, name: string, actor: Actor, message?: string) {
    const repo = await this.repo(sessionId);
    const tag = await createTag(repo, {
      name,
      sha,
      tagger: gitIdentity(actor, this.o.gitEmailDomain),
      ...(message ? { message } : {}),
    });
    this.o.live.notifySession(sessionId, EVENTS.sessionEvent, { sessionId, type: 'tags', sha: tag.sha });
    return tag;
  }

  async comments(sessionId: string, sha: string): Promise<Comment[]> {
    return listComments(await this.repo(sessionId), sha);
  }

  async addComment(
    sessionId: string,
    sha: string,
    actor: Actor,
    input: { body: string; path?: string; line?: number; parentId?: string },
  ) {
    const repo = await this.repo(sessionId);
    const comment = await addComment(repo, sha, { author: commentAuthor(actor), ...input });
    this.commentsChanged(sessionId, await resolveSha(repo, sha));
    return comment;
  }

  async editComment(sessionId: string, sha: string, commentId: string, actor: Actor, body: string) {
    const repo = await this.repo(sessionId);
    const comment = await editComment(repo, sha, commentId, commentAuthor(actor), body);
    this.commentsChanged(sessionId, await resolveSha(repo, sha));
    return comment;
  }

  async deleteComment(sessionId: string, sha: string, commentId: string, actor: Actor) {
    const repo = await this.repo(sessionId);
    await deleteComment(repo, sha, commentId, commentAuthor(actor));
    this.commentsChanged(sessionId, await resolveSha(repo, sha));
  }

  async resolveThread(sessionId: string, sha: string, commentId: string, actor: Actor, resolved: boolean) {
    const repo = await this.repo(sessionId);
    const comment = await resolveThread(repo, sha, commentId, commentAuthor(actor), resolved);
    this.commentsChanged(sessionId, await resolveSha(repo, sha));
    return comment;
  }

  private commentsChanged(sessionId: string, sha: string): void {
    this.o.live.notifySession(sessionId, EVENTS.sessionEvent, { sessionId, type: 'comments', sha });
  }

  /**
   * A version as a zip, exactly what `git archive --format=zip <sha>` writes (no prefix), streamed
   * from git. The sha is resolved first, so a bad one is a clean ERR_INVALID_SHA / 404.
   */
  async versionArchive(sessionId: string, sha: string): Promise<{ sha: string; out: GitStream }> {
    const repo = await this.repo(sessionId);
    const full = await resolveSha(repo, sha);
    return { sha: full, out: gitOutput(repo, this.o.reposDir, ['archive', '--format=zip', full]) };
  }

  /**
   * The session's history as a git bundle of HEAD, `main` and its tags (what a clone gets; HEAD so
   * that `git clone <bundle>` checks `main` out), streamed from
   * `git bundle create`. ERR_VERSION_NOT_FOUND before the first version (git makes no empty bundle).
   */
  async bundle(sessionId: string): Promise<GitStream> {
    const repo = await this.repo(sessionId);
    if ((await headSha(repo)) === null)
      throw new AppError('ERR_VERSION_NOT_FOUND', 'This session has no versions yet: save one first.');
    return gitOutput(repo, this.o.reposDir, [
      'bundle',
      'create',
      '--quiet',
      '-',
      'HEAD',
      '--branches',
      '--tags',
    ]);
  }

  /**
   * The live state as zip entries: every file's current text (typing not yet in a version
   * included), by path, and the folders kept in the manifest (empty ones come out too).
   */
  async liveEntries(sessionId: string): Promise<ZipEntry[]> {
    const manifest = await this.o.sessions.manifest(sessionId);
    const files = await this.liveFiles(sessionId);
    const entries: ZipEntry[] = [
      ...Object.keys(manifest.folders ?? {}).map((path) => ({ path, folder: true as const })),
      ...files.map((f) => ({ path: f.path, content: Buffer.from(f.content, 'utf8') })),
    ];
    // Binary files: their blobs, byte for byte.
    const blobs = Object.values(manifest.files).filter((f) => f.blob);
    if (blobs.length > 0) {
      const repo = await this.repo(sessionId);
      for (const f of blobs)
        entries.push({ path: f.path, content: Buffer.from(await readBlob(repo, f.blob!.oid)) });
    }
    return entries.sort((a, b) => comparePaths(a.path, b.path));
  }

  private async liveFiles(sessionId: string) {
    const manifest = await this.o.sessions.manifest(sessionId);
    const files: Array<{ path: string; content: string }> = [];
    for (const [fileId, f] of Object.entries(manifest.files)) {
      if (f.blob) continue;
      const text = await withDoc<{ text: string }, string | undefined>(
        this.o.conn,
        COLLECTION_FILES,
        fileDocId(sessionId, fileId),
        async (doc) => (doc.type ? doc.data.text : undefined),
      );
      if (text !== undefined) files.push({ path: f.path, content: text });
    }
    return files;
  }
}

function eventActor(actor: Actor): EventActor {
  return { id: actor.id, displayName: actor.displayName };
}

/** The "Before revert" version when it holds unsaved typing, and who typed it. */
function keptOf(result: WorkerCommitResult | null): RevertedEvent['kept'] {
  if (!result || result.unchanged) return null;
  return { sha: result.sha, typists: [...(result.typists ?? [])] };
}

function commentAuthor(actor: Actor) {
  return { id: actor.id, username: actor.username, displayName: actor.displayName };
}
