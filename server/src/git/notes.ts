/**
 * Comments on a version (or on a line of a file in it), stored as git notes: one readable note per
 * commit under `refs/notes/comments`, plain text that `git log --notes=comments` in a clone shows
 * as it is:
 *
 *     src/app.ts:12 — Alice Smith (@alice), 2024-05-01 10:00 UTC [resolved]
 *         Why not a Map here?
 *       ↳ Bob (@bob), 2024-05-01 10:05 UTC
 *           Fixed in the next version.
 *
 * and the exact list, the one Gitpad reads, as machine data kept separately: the `comments` key of
 * the commit's note under `refs/notes/gitpad` (gitpad-notes.ts). The text is rewritten from the
 * list on every change, the list first. Notes written by older versions of Gitpad end the text
 * with a `gitpad-comments-v1: [...]` JSON line instead; it is read when the commit has no list of
 * its own, and the next change to that commit's comments moves it over.
 *
 * Notes are written with isomorphic-git's `addNote` (flat layout: one tree entry per commit id)
 * through our serialized writer only: notes written by the git CLI may use a fan-out layout
 * (`ab/cdef…`) that isomorphic-git does not read.
 */
import { randomUUID } from 'node:crypto';
import * as git from 'isomorphic-git';
import { AppError } from '../errors/app-error.js';
import type { Comment, CommentAuthor } from '../protocol/versions.js';
import { DEFAULT_COMMITTER } from './commit.js';
import { GitpadNotesReader, updateGitpadNote } from './gitpad-notes.js';
import { resolveCommitId } from './history.js';
import { validateFilePath } from './paths.js';
import { readRef } from './refs.js';
import type { Repo } from './repo.js';

export type { Comment, CommentAuthor };

/** The notes ref holding comments. */
export const NOTES_REF = 'refs/notes/comments';
/** Starts the JSON line of notes written by older Gitpad versions. */
const JSON_MARKER = 'gitpad-comments-v1: ';
/** Longest comment body, characters. */
const MAX_BODY = 10_000;

/** Input of `addComment`. */
export interface NewComment {
  author: CommentAuthor;
  body: string;
  path?: string;
  line?: number;
  /** Reply to this comment (or to its thread). */
  parentId?: string;
  /** Creation time; now by default. */
  now?: Date;
}

/** The comments on a version, oldest first ([] when none). `sha` may be abbreviated. */
export async function listComments(repo: Repo, sha: string): Promise<Comment[]> {
  return repo.read(async () => readComments(repo, await resolveCommitId(repo, sha)));
}

/**
 * The commits that have comments, with how many (deleted placeholders not counted): for the
 * history list.
 */
export async function commentCounts(repo: Repo): Promise<Map<string, number>> {
  return repo.read(async () => {
    const notes = await readRef(repo, NOTES_REF);
    if (!notes) return new Map();
    // Every history read asks, and the answer reads every note: keep it for this notes commit.
    if (repo.commentCounts?.notes === notes) return new Map(repo.commentCounts.counts);
    const out = new Map<string, number>();
    // Every change to a commit's comments rewrites its readable note: these are the commits with any.
    const reader = new GitpadNotesReader(repo);
    for (const { target } of await git.listNotes({ ...repo.git, ref: NOTES_REF })) {
      const n = (await readComments(repo, target, reader)).filter((c) => !c.deleted).length;
      if (n > 0) out.set(target, n);
    }
    repo.commentCounts = { notes, counts: new Map(out) };
    return out;
  });
}

/** Adds a comment (or a reply) to a version and returns it. ERR_VALIDATION for bad input. */
export async function addComment(repo: Repo, sha: string, input: NewComment): Promise<Comment> {
  const author = validateAuthor(input.author);
  const body = validateBody(input.body);
  if (input.path !== undefined) validateFilePath(input.path);
  if (input.line !== undefined && (!Number.isSafeInteger(input.line) || input.line < 1)) {
    throw new AppError('ERR_VALIDATION', 'A line number is a positive integer.');
  }
  if (input.line !== undefined && input.path === undefined) {
    throw new AppError('ERR_VALIDATION', 'A comment on a line needs the file path.');
  }
  return repo.write(async () => {
    const oid = await resolveCommitId(repo, sha);
    const comments = await readComments(repo, oid);
    const comment: Comment = {
      id: randomUUID(),
      author,
      body,
      createdAt: (input.now ?? new Date()).toISOString(),
    };
    if (input.parentId !== undefined) {
      const parent = comments.find((c) => c.id === input.parentId);
      if (!parent) throw new AppError('ERR_NOT_FOUND', 'The comment you reply to does not exist.');
      comment.parentId = parent.parentId ?? parent.id;
    } else {
      if (input.path !== undefined) comment.path = input.path;
      if (input.line !== undefined) comment.line = input.line;
    }
    comments.push(comment);
    await writeComments(repo, oid, comments);
    return comment;
  });
}

/** Changes a comment's body. Only its author may; ERR_FORBIDDEN otherwise, ERR_NOT_FOUND if missing. */
export async function editComment(
  repo: Repo,
  sha: string,
  commentId: string,
  actor: CommentAuthor,
  body: string,
  now = new Date(),
): Promise<Comment> {
  const text = validateBody(body);
  return repo.write(async () => {
    const oid = await resolveCommitId(repo, sha);
    const comments = await readComments(repo, oid);
    const comment = findOwn(comments, commentId, actor);
    comment.body = text;
    comment.editedAt = now.toISOString();
    await writeComments(repo, oid, comments);
    return comment;
  });
}

/**
 * Deletes a comment. Only its author may. A thread root that has replies stays as a `deleted`
 * placeholder (so the replies keep their context); anything else is removed.
 */
export async function deleteComment(
  repo: Repo,
  sha: string,
  commentId: string,
  actor: CommentAuthor,
): Promise<void> {
  await repo.write(async () => {
    const oid = await resolveCommitId(repo, sha);
    let comments = await readComments(repo, oid);
    const comment = findOwn(comments, commentId, actor);
    if (!comment.parentId && comments.some((c) => c.parentId === comment.id)) {
      comment.deleted = true;
      comment.body = '';
    } else {
      comments = comments.filter((c) => c.id !== comment.id);
      // A placeholder root whose last reply went goes too.
      const root = comment.parentId ? comments.find((c) => c.id === comment.parentId) : undefined;
      if (root?.deleted && !comments.some((c) => c.parentId === root.id)) {
        comments = comments.filter((c) => c.id !== root.id);
      }
    }
    await writeComments(repo, oid, comments);
  });
}

/**
 * Marks the thread containing `commentId` resolved (or open again). Anyone allowed to comment
 * may; the server checks that. Returns the thread root.
 */
export async function resolveThread(
  repo: Repo,
  sha: string,
  commentId: string,
  actor: CommentAuthor,
  resolved = true,
): Promise<Comment> {
  validateAuthor(actor);
  return repo.write(async () => {
    const oid = await resolveCommitId(repo, sha);
    const comments = await readComments(repo, oid);
    const comment = comments.find((c) => c.id === commentId);
    if (!comment) throw new AppError('ERR_NOT_FOUND', 'That comment does not exist.');
    const root = comment.parentId ? comments.find((c) => c.id === comment.parentId) : comment;
    if (!root) throw new AppError('ERR_NOT_FOUND', 'That comment thread does not exist.');
    if (resolved) root.resolved = true;
    else delete root.resolved;
    await writeComments(repo, oid, comments);
    return root;
  });
}

/**
 * Writes whole threads onto a version (comments/service.ts: threads made on the live text, written
 * with the commit that follows them): each thread's comments replace any with the same ids already
 * on that commit, the rest of the commit's comments stay. `threads` are roots followed by their
 * replies (`parentId` set to the root's id); `sha` must be a full commit id.
 */
export async function writeThreads(repo: Repo, sha: string, threads: Comment[][]): Promise<void> {
  if (threads.length === 0) return;
  await repo.write(async () => {
    const oid = await resolveCommitId(repo, sha);
    const ids = new Set(threads.flat().map((c) => c.id));
    const roots = new Set(threads.map((t) => t[0]!.id));
    const comments = (await readComments(repo, oid)).filter(
      (c) => !ids.has(c.id) && !(c.parentId && roots.has(c.parentId)),
    );
    for (const thread of threads) comments.push(...thread);
    await writeComments(repo, oid, comments);
  });
}

function findOwn(comments: Comment[], id: string, actor: CommentAuthor): Comment {
  const comment = comments.find((c) => c.id === id);
  if (!comment || comment.deleted) throw new AppError('ERR_NOT_FOUND', 'That comment does not exist.');
  if (!actor || comment.author.id !== actor.id) {
    throw new AppError('ERR_FORBIDDEN', 'Only the author of a comment can change or delete it.');
  }
  return comment;
}

function validateAuthor(author: CommentAuthor): CommentAuthor {
  if (
    !author ||
    typeof author.id !== 'string' ||
    !author.id ||
    typeof author.username !== 'string' ||
    typeof author.displayName !== 'string'
  ) {
    throw new AppError('ERR_VALIDATION', 'A comment needs its author (id, username, displayName).');
  }
  return { id: author.id, username: author.username, displayName: author.displayName };
}

function validateBody(body: string): string {
  if (typeof body !== 'string') throw new AppError('ERR_VALIDATION', 'A comment is text.');
  const text = body.replace(/\r\n?/g, '\n').trim();
  if (!text) throw new AppError('ERR_VALIDATION', 'A comment cannot be empty.');
  if (text.length > MAX_BODY) throw new AppError('ERR_VALIDATION', 'The comment is too long.');
  return text;
}

/** Reads the comments of a commit (full id). No lock: call inside `repo.read`/`repo.write`. */
async function readComments(
  repo: Repo,
  oid: string,
  reader = new GitpadNotesReader(repo),
): Promise<Comment[]> {
  const list = await reader.comments(oid);
  if (list) return list;
  // Older notes: the JSON line at the end of the readable note.
  if (!(await readRef(repo, NOTES_REF))) return [];
  let blob: Uint8Array;
  try {
    blob = await git.readNote({ ...repo.git, ref: NOTES_REF, oid });
  } catch (err) {
    if ((err as { code?: string }).code === 'NotFoundError') return [];
    throw err;
  }
  return parseNote(Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength).toString('utf8'));
}

/** Extracts the comment list from an older note's text ([] for a note without the JSON line). */
export function parseNote(text: string): Comment[] {
  const lines = text.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    if (!lines[i]!.startsWith(JSON_MARKER)) continue;
    try {
      const list = JSON.parse(lines[i]!.slice(JSON_MARKER.length));
      return Array.isArray(list) ? (list as Comment[]) : [];
    } catch {
      return [];
    }
  }
  return [];
}

/** Renders the readable note: each thread, its replies indented under it. */
export function formatNote(comments: readonly Comment[]): string {
  const indent = (text: string, by: string) =>
    text
      .split('\n')
      .map((l) => (l ? by + l : ''))
      .join('\n');
  const when = (iso: string) => iso.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, ' UTC');
  // Names are one line in the text part whatever they contain.
  const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();
  const who = (a: CommentAuthor) => `${oneLine(a.displayName || a.username)} (@${oneLine(a.username)})`;
  const blocks: string[] = [];
  for (const root of comments.filter((c) => !c.parentId)) {
    const lines = root.line
      ? `:${root.line}${root.endLine && root.endLine > root.line ? `–${root.endLine}` : ''}`
      : '';
    const where = root.path ? `${root.path}${lines} — ` : '';
    const head = root.deleted
      ? `${where}[deleted comment]`
      : `${where}${who(root.author)}, ${when(root.createdAt)}${root.editedAt ? ' (edited)' : ''}`;
    let block = head + (root.resolved ? ' [resolved]' : '');
    if (!root.deleted) block += `\n${indent(root.body, '    ')}`;
    for (const reply of comments.filter((c) => c.parentId === root.id)) {
      block += `\n  ↳ ${who(reply.author)}, ${when(reply.createdAt)}${reply.editedAt ? ' (edited)' : ''}`;
      block += `\n${indent(reply.body, '      ')}`;
    }
    blocks.push(block);
  }
  return `${blocks.join('\n\n')}\n`;
}

/**
 * Replaces a commit's comments: the list (an empty one too, so an older note's JSON line is not
 * read again), then the readable note (removed when no comment is left). Call under the writer.
 */
async function writeComments(repo: Repo, oid: string, comments: Comment[]): Promise<void> {
  await updateGitpadNote(repo, oid, { comments });
  const who = { ...DEFAULT_COMMITTER, timestamp: Math.floor(Date.now() / 1000), timezoneOffset: 0 };
  if (comments.length === 0) {
    if (await readRef(repo, NOTES_REF)) {
      await git.removeNote({ ...repo.git, ref: NOTES_REF, oid, author: who, committer: who }).catch((err) => {
        if ((err as { code?: string }).code !== 'NotFoundError') throw err;
      });
    }
    return;
  }
  await git.addNote({
    ...repo.git,
    ref: NOTES_REF,
    oid,
    note: formatNote(comments),
    force: true,
    author: who,
    committer: who,
  });
}
