/**
 * Versions of a session as the API presents them: history, a version's files, diffs (against a
 * parent, another version or the live text), revert, tags and comments. Git does the work
 * (server/src/git); this module adds the session's live documents and the people.
 */

import { gitIdentity } from '../auth/git-identity.js';
import {
  addComment,
  type Comment,
  commentCounts,
  createTag,
  type DiffEngine,
  deleteComment,
  diffCommit,
  diffCommits,
  diffWithFiles,
  editComment,
  type FileDiff,
  headSha,
  listComments,
  log,
  openRepo,
  type Repo,
  readEntry,
  readFileAt,
  readTree,
  readVersion,
  resolveSha,
  resolveThread,
  tagsByCommit,
} from '../git/index.js';
import type { Connection } from '../ot/docs.js';
import { submitOp, withDoc } from '../ot/docs.js';
import { EVENTS } from '../protocol/events.js';
import { COLLECTION_FILES, fileDocId } from '../sessions/ids.js';
import type { SessionService } from '../sessions/service.js';
import type { Store } from '../storage/types.js';
import { textEditOp } from './text-edit.js';
import type { CommitWorker } from './worker.js';

export interface VersionServiceOptions {
  store: Store;
  conn: Connection;
  sessions: SessionService;
  worker: CommitWorker;
  reposDir: string;
  notifySession: (sessionId: string, event: string, payload: unknown) => void;
  /** Runs text diffs and history stats off the event loop (the server's DiffPool). */
  diffEngine: DiffEngine;
  /** Most hunk lines one diff answer carries (config `diffMaxLines`). */
  diffMaxLines: number;
  /** Domain of the default commit e-mail (config `gitEmailDomain`): tags carry the tagger's. */
  gitEmailDomain: string;
}

export interface Actor {
  id: string;
  username: string;
  displayName: string;
  /** The actor's own git name and e-mail, when set (auth/git-identity.ts). */
  gitName?: string | null;
  gitEmail?: string | null;
}

export class VersionService {
  constructor(private readonly o: VersionServiceOptions) {}

  repo(sessionId: string): Promise<Repo> {
    return openRepo(this.o.reposDir, sessionId);
  }

  async history(sessionId: string, opts: { limit?: number; before?: string }) {
    const repo = await this.repo(sessionId);
    const [entries, tags, comments] = await Promise.all([
      log(repo, { ...opts, engine: this.o.diffEngine }),
      tagsByCommit(repo),
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
      stats: e.stats,
      tags: (tags.get(e.sha) ?? []).map((t) => t.name),
      comments: comments.get(e.sha) ?? 0,
    }));
  }

  async version(sessionId: string, sha: string) {
    const repo = await this.repo(sessionId);
    const entry = await readEntry(repo, sha, { engine: this.o.diffEngine });
    const files = await readVersion(repo, entry.sha);
    return { ...entry, files: files.map((f) => ({ path: f.path, size: f.content.length })) };
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
      return diffWithFiles(repo, from, await this.liveFiles(sessionId), opts);
    }
    if (base === undefined) return diffCommit(repo, sha, opts);
    return diffCommits(repo, base, sha, opts);
  }

  /**
   * Applies a version's files to the live documents as ordinary edits (every open editor updates in
   * place), then commits the result as a new commit. History is never rewritten.
   */
  async revert(sessionId: string, sha: string, actor: Actor) {
    const repo = await this.repo(sessionId);
    const full = await resolveSha(repo, sha);
    const target = await readTree(repo, full);
    const entry = await readEntry(repo, full, { engine: this.o.diffEngine });
    const manifest = await this.o.sessions.manifest(sessionId);
    const current = Object.entries(manifest.files);
    // Deletes first, then edits, then creates: a path freed by a delete can be taken again.
    for (const [fileId, f] of current) {
      if (!target.has(f.path)) await this.o.sessions.deleteFile(sessionId, fileId, actor.id);
    }
    for (const [fileId, f] of current) {
      const wanted = target.get(f.path);
      if (wanted === undefined) continue;
      await withDoc<{ text: string }, void>(
        this.o.conn,
        COLLECTION_FILES,
        fileDocId(sessionId, fileId),
        async (doc) => {
          if (!doc.type) return;
          const op = textEditOp(doc.data.text, wanted);
          if (op.length === 0) return;
          await submitOp(doc, op, { revert: full });
          this.o.worker.noteEdit(sessionId, actor.id, wanted.length);
        },
      );
    }
    const existing = new Set(current.map(([, f]) => f.path));
    for (const [path, content] of target) {
      if (!existing.has(path)) await this.o.sessions.createFile(sessionId, { path, content }, actor.id);
    }
    const message = `Revert to ${full.slice(0, 7)}: ${entry.subject}`;
    const result = await this.o.worker.commitNow(sessionId, { message, actorId: actor.id });
    return result;
  }

  async tag(sessionId: string, sha: string, name: string, actor: Actor, message?: string) {
    const repo = await this.repo(sessionId);
    const tag = await createTag(repo, {
      name,
      sha,
      tagger: gitIdentity(actor, this.o.gitEmailDomain),
      ...(message ? { message } : {}),
    });
    this.o.notifySession(sessionId, EVENTS.sessionEvent, { sessionId, type: 'tags', sha: tag.sha });
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
    this.o.notifySession(sessionId, EVENTS.sessionEvent, { sessionId, type: 'comments', sha });
  }

  private async liveFiles(sessionId: string) {
    const manifest = await this.o.sessions.manifest(sessionId);
    const files: Array<{ path: string; content: string }> = [];
    for (const [fileId, f] of Object.entries(manifest.files)) {
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

function commentAuthor(actor: Actor) {
  return { id: actor.id, username: actor.username, displayName: actor.displayName };
}
