/**
 * Gitpad's machine data about commits, beside them rather than in them: one git note per commit
 * under `refs/notes/gitpad` (git/README.md, "Push"), so commit messages and
 * the comment notes people read carry only what people wrote. A note is one JSON line:
 *
 *     {"covers":{"<fileDocId>":42},"comments":[{"id":"…","author":{…},"body":"…",…}]}
 *
 * - `covers`: the document version of each file the commit snapshotted, tying it to the op log
 *   (written with the commit). Commits made before this ref existed carry a `Gitpad-Covers:`
 *   trailer instead; `coversOf` falls back to it.
 * - `comments`: the exact comment list of the commit (notes.ts), whose readable rendering is the
 *   commit's note under `refs/notes/comments`.
 *
 * `git notes --ref=gitpad show <sha>` prints a note in a clone; `git log` shows none of it.
 *
 * The notes tree uses git's fan-out layout (`ab/cdef…`: 2 hex digits, then the other 38), as the
 * git CLI does past a few hundred notes: adding a note rewrites the root (at most 256 entries) and
 * one subtree (1/256 of the notes), not one tree listing every commit ever made. isomorphic-git's
 * notes functions read only flat trees, so this ref is read and written here alone, through the
 * repo's writer and atomic fs like every other write.
 */
import * as git from 'isomorphic-git';
import type { Comment, VersionKind } from '../protocol/versions.js';
import { DEFAULT_COMMITTER } from './commit.js';
import { isVersionKind } from './kinds.js';
import { hashObject, type PendingObject, serializeCommit, writeObjects } from './objects.js';
import { readRef, updateRef } from './refs.js';
import type { Repo } from './repo.js';
import { parseMessage, validateCovers } from './trailers.js';

/** The notes ref of Gitpad's own data about commits. */
export const GITPAD_NOTES_REF = 'refs/notes/gitpad';

/** One commit's note. A key absent means "never recorded here" (older commits: see the readers). */
export interface GitpadNote {
  covers?: Record<string, number>;
  comments?: Comment[];
  /** What made the version (git/kinds.ts); absent on versions written before it was recorded. */
  kind?: VersionKind;
  /**
   * Session file id → its path in this version, for every file: how per-file history and blame
   * follow a file across renames (file ids are stable, paths are not). Absent on older versions.
   */
  paths?: Record<string, string>;
  /**
   * A name given to an autosave after it was made ("Save version" with a message when the autosave
   * had already taken everything): shown as the version's message. The commit keeps its own.
   */
  name?: string;
}

interface TreeEntry {
  type: 'blob' | 'tree';
  path: string;
  oid: string;
}

function serializeTree(entries: TreeEntry[]): Buffer {
  // Names here are hex digits of one length per level: plain byte order is git's order. Modes are
  // written as git writes them (isomorphic-git reads a tree's back zero-padded, which fsck refuses).
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return Buffer.concat(
    sorted.flatMap((e) => [
      Buffer.from(`${e.type === 'tree' ? '40000' : '100644'} ${e.path}\0`, 'utf8'),
      Buffer.from(e.oid, 'hex'),
    ]),
  );
}

async function treeEntries(repo: Repo, oid: string | undefined): Promise<TreeEntry[]> {
  if (!oid) return [];
  const { tree } = await git.readTree({ ...repo.git, oid });
  // A notes tree holds blobs and fan-out trees only; anything else is not ours and is dropped.
  return tree.flatMap(({ type, path, oid }) =>
    type === 'blob' || type === 'tree' ? [{ type, path, oid }] : [],
  );
}

/**
 * Sets the keys of `patch` in commit `sha`'s note (a key set to undefined is removed; a note left
 * empty is removed). Call under the repo's writer. For covers, call it after the commit object is
 * written and before a branch points at it: a crash in between leaves a note on an unreachable
 * commit, which nothing reads.
 */
export async function updateGitpadNote(
  repo: Repo,
  sha: string,
  patch: Partial<Record<keyof GitpadNote, unknown>>,
  time = new Date(),
): Promise<void> {
  const parent = await readRef(repo, GITPAD_NOTES_REF);
  const rootOid = parent ? (await git.readCommit({ ...repo.git, oid: parent })).commit.tree : undefined;
  const root = await treeEntries(repo, rootOid);
  const fan = sha.slice(0, 2);
  const rest = sha.slice(2);
  const subEntry = root.find((e) => e.path === fan && e.type === 'tree');
  const subAll = await treeEntries(repo, subEntry?.oid);
  const existing = subAll.find((e) => e.path === rest && e.type === 'blob');
  const note: Record<string, unknown> = existing ? ((await readNoteBlob(repo, existing.oid)) ?? {}) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) delete note[key];
    else note[key] = value;
  }

  const objects: PendingObject[] = [];
  const sub = subAll.filter((e) => e.path !== rest);
  if (Object.keys(note).length > 0) {
    const blob = Buffer.from(`${JSON.stringify(note)}\n`, 'utf8');
    const blobOid = hashObject('blob', blob);
    objects.push({ type: 'blob', oid: blobOid, content: blob });
    sub.push({ type: 'blob', path: rest, oid: blobOid });
  } else if (!existing) return;
  // A flat entry for the same commit (never written here, but valid git) would shadow ours.
  const newRoot = root.filter((e) => e.path !== fan && e.path !== sha);
  if (sub.length > 0) {
    const subContent = serializeTree(sub);
    const subOid = hashObject('tree', subContent);
    objects.push({ type: 'tree', oid: subOid, content: subContent });
    newRoot.push({ type: 'tree', path: fan, oid: subOid });
  }
  const rootContent = serializeTree(newRoot);
  const newRootOid = hashObject('tree', rootContent);
  const commit = serializeCommit({
    tree: newRootOid,
    parents: parent ? [parent] : [],
    author: DEFAULT_COMMITTER,
    committer: DEFAULT_COMMITTER,
    time,
    message: `Notes added by Gitpad for ${sha}\n`,
  });
  const commitOid = hashObject('commit', commit);
  objects.push(
    { type: 'tree', oid: newRootOid, content: rootContent },
    { type: 'commit', oid: commitOid, content: commit },
  );
  await writeObjects(repo, objects);
  await updateRef(repo, GITPAD_NOTES_REF, commitOid, parent);
}

/**
 * Records what commit `sha` covers, its kind and its files' ids (each left out when absent or
 * empty; nothing at all for none); see `updateGitpadNote`.
 */
export async function writeCommitNote(
  repo: Repo,
  sha: string,
  data: { covers: Record<string, number>; kind?: VersionKind; paths?: Record<string, string> },
  time: Date,
): Promise<void> {
  const patch: Partial<Record<keyof GitpadNote, unknown>> = {};
  if (Object.keys(data.covers).length > 0) patch.covers = validateCovers(data.covers);
  if (data.kind) patch.kind = data.kind;
  if (data.paths && Object.keys(data.paths).length > 0) patch.paths = data.paths;
  if (Object.keys(patch).length === 0) return;
  await updateGitpadNote(repo, sha, patch, time);
}

/** A note's JSON object, or null when it is not one (hand-edited: treated as absent). */
async function readNoteBlob(repo: Repo, oid: string): Promise<Record<string, unknown> | null> {
  const { blob } = await git.readBlob({ ...repo.git, oid });
  try {
    const value = JSON.parse(Buffer.from(blob).toString('utf8')) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/**
 * Reads notes as of the current notes commit. One reader per walk or request: the root tree is
 * read once and each fan-out subtree at most once.
 */
export class GitpadNotesReader {
  private root: Promise<Map<string, TreeEntry>> | undefined;
  private readonly subtrees = new Map<string, Promise<Map<string, TreeEntry>>>();

  constructor(private readonly repo: Repo) {}

  /** What commit `sha` covers: its note, else its `Gitpad-Covers` trailer (older commits), else {}. */
  async coversOf(sha: string, message: string): Promise<Record<string, number>> {
    return (await this.covers(sha)) ?? parseMessage(message).covers;
  }

  /** The covers in commit `sha`'s note, or null when it records none. */
  async covers(sha: string): Promise<Record<string, number> | null> {
    const note = await this.note(sha);
    if (note?.covers === undefined) return null;
    try {
      return validateCovers(note.covers);
    } catch {
      return null;
    }
  }

  /** The kind recorded in commit `sha`'s note, or null (older versions: `kindFromMessage`). */
  async kind(sha: string): Promise<VersionKind | null> {
    const kind = (await this.note(sha))?.kind;
    return isVersionKind(kind) ? kind : null;
  }

  /** The name given to commit `sha` after it was made, or null. */
  async name(sha: string): Promise<string | null> {
    const name = (await this.note(sha))?.name;
    return typeof name === 'string' && name.trim() !== '' ? name : null;
  }

  /** File id → path in commit `sha`, as its note records them, or null when it records none. */
  async paths(sha: string): Promise<Record<string, string> | null> {
    const paths = (await this.note(sha))?.paths;
    if (!paths || typeof paths !== 'object' || Array.isArray(paths)) return null;
    const out: Record<string, string> = {};
    for (const [id, path] of Object.entries(paths)) if (typeof path === 'string') out[id] = path;
    return out;
  }

  /** The comment list in commit `sha`'s note, or null when it records none. */
  async comments(sha: string): Promise<Comment[] | null> {
    const list = (await this.note(sha))?.comments;
    return Array.isArray(list) ? (list as Comment[]) : null;
  }

  /** Commit `sha`'s note as stored, or null when it has none. */
  async note(sha: string): Promise<Record<string, unknown> | null> {
    this.root ??= this.loadRoot();
    const root = await this.root;
    let entry = root.get(sha);
    if (!entry) {
      const fan = root.get(sha.slice(0, 2));
      if (fan?.type !== 'tree') return null;
      let sub = this.subtrees.get(fan.path);
      if (!sub) {
        sub = treeEntries(this.repo, fan.oid).then((es) => new Map(es.map((e) => [e.path, e])));
        this.subtrees.set(fan.path, sub);
      }
      entry = (await sub).get(sha.slice(2));
    }
    if (entry?.type !== 'blob') return null;
    return readNoteBlob(this.repo, entry.oid);
  }

  private async loadRoot(): Promise<Map<string, TreeEntry>> {
    const head = await readRef(this.repo, GITPAD_NOTES_REF);
    if (!head) return new Map();
    const { commit } = await git.readCommit({ ...this.repo.git, oid: head });
    return new Map((await treeEntries(this.repo, commit.tree)).map((e) => [e.path, e]));
  }
}
