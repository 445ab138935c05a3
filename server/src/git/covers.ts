/**
 * Which document versions each commit covers, as machine data beside the commit: one git note per
 * commit under `refs/notes/gitpad` (DESIGN.md, "Push, import and binary files"), so commit
 * messages carry only what people wrote. A note is one JSON line, `{"covers":{"<fileDocId>":42}}`;
 * `git notes --ref=gitpad show <sha>` prints it in a clone, and `git log` shows nothing of it.
 *
 * Commits made before this ref existed carry a `Gitpad-Covers:` trailer instead; readers fall back
 * to it (`coversOf`).
 *
 * The notes tree uses git's fan-out layout (`ab/cdef…`: 2 hex digits, then the other 38), as the
 * git CLI does past a few hundred notes: adding a note rewrites the root (at most 256 entries) and
 * one subtree (1/256 of the notes), not one tree listing every commit ever made. isomorphic-git's
 * notes functions read only flat trees, so this ref is read and written here alone, through the
 * repo's writer and atomic fs like every other write.
 */
import * as git from 'isomorphic-git';
import { DEFAULT_COMMITTER } from './commit.js';
import { hashObject, type PendingObject, serializeCommit, writeObjects } from './objects.js';
import { readRef, updateRef } from './refs.js';
import type { Repo } from './repo.js';
import { parseMessage, validateCovers } from './trailers.js';

/** The notes ref of Gitpad's own data about commits. */
export const GITPAD_NOTES_REF = 'refs/notes/gitpad';

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
 * Records that commit `sha` covers `covers`. Call under the repo's writer, after the commit object
 * is written and before a branch points at it: a crash in between leaves a note on an unreachable
 * commit, which nothing reads. Nothing is written for empty `covers`.
 */
export async function writeCovers(
  repo: Repo,
  sha: string,
  covers: Record<string, number>,
  time: Date,
): Promise<void> {
  if (Object.keys(covers).length === 0) return;
  const parent = await readRef(repo, GITPAD_NOTES_REF);
  const rootOid = parent ? (await git.readCommit({ ...repo.git, oid: parent })).commit.tree : undefined;
  const root = await treeEntries(repo, rootOid);
  const fan = sha.slice(0, 2);
  const rest = sha.slice(2);
  const subEntry = root.find((e) => e.path === fan && e.type === 'tree');
  const sub = (await treeEntries(repo, subEntry?.oid)).filter((e) => e.path !== rest);

  const blob = Buffer.from(`${JSON.stringify({ covers: validateCovers(covers) })}\n`, 'utf8');
  const blobOid = hashObject('blob', blob);
  sub.push({ type: 'blob', path: rest, oid: blobOid });
  const subContent = serializeTree(sub);
  const subOid = hashObject('tree', subContent);
  // A flat entry for the same commit (never written here, but valid git) would shadow the new one.
  const newRoot = root.filter((e) => e.path !== fan && e.path !== sha);
  newRoot.push({ type: 'tree', path: fan, oid: subOid });
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
  const objects: PendingObject[] = [
    { type: 'blob', oid: blobOid, content: blob },
    { type: 'tree', oid: subOid, content: subContent },
    { type: 'tree', oid: newRootOid, content: rootContent },
    { type: 'commit', oid: commitOid, content: commit },
  ];
  await writeObjects(repo, objects);
  await updateRef(repo, GITPAD_NOTES_REF, commitOid, parent);
}

/**
 * Reads covers notes as of the current notes commit. One reader per walk: the root tree is read
 * once and each fan-out subtree at most once.
 */
export class CoversReader {
  private root: Promise<Map<string, TreeEntry>> | undefined;
  private readonly subtrees = new Map<string, Promise<Map<string, TreeEntry>>>();

  constructor(private readonly repo: Repo) {}

  /** What commit `sha` covers: its note, else its `Gitpad-Covers` trailer (older commits), else {}. */
  async coversOf(sha: string, message: string): Promise<Record<string, number>> {
    return (await this.note(sha)) ?? parseMessage(message).covers;
  }

  /** The covers in commit `sha`'s note, or null when it has none (or an unreadable one). */
  async note(sha: string): Promise<Record<string, number> | null> {
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
    const { blob } = await git.readBlob({ ...this.repo.git, oid: entry.oid });
    try {
      return validateCovers((JSON.parse(Buffer.from(blob).toString('utf8')) as { covers?: unknown }).covers);
    } catch {
      // Hand-edited: treat as absent rather than fail the history.
      return null;
    }
  }

  private async loadRoot(): Promise<Map<string, TreeEntry>> {
    const head = await readRef(this.repo, GITPAD_NOTES_REF);
    if (!head) return new Map();
    const { commit } = await git.readCommit({ ...this.repo.git, oid: head });
    return new Map((await treeEntries(this.repo, commit.tree)).map((e) => [e.path, e]));
  }
}
