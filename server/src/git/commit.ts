/**
 * Snapshots of a session as commits on `refs/heads/main`.
 */
import * as git from 'isomorphic-git';
import { AppError } from '../errors/app-error.js';
import type { VersionKind } from '../protocol/versions.js';
import { writeCommitNote } from './gitpad-notes.js';
import {
  buildTree,
  cleanIdentity,
  EMPTY_TREE,
  flattenTree,
  hashObject,
  hasObject,
  type Identity,
  serializeCommit,
  type TreeInputFile,
  writeObjects,
} from './objects.js';
import { comparePaths } from './paths.js';
import { readRef, updateRef } from './refs.js';
import { MAIN_REF, type Repo } from './repo.js';
import { cleanMessage, formatMessage, validateCovers } from './trailers.js';

/** Who commits, as opposed to who wrote the change (the author). */
export const DEFAULT_COMMITTER: Identity = { name: 'Gitpad', email: 'gitpad@localhost' };

/**
 * One file of a snapshot: a `/`-separated path and its text, or (a binary file) the id of a blob
 * already in the repository; `mode` `100755` for an executable file.
 */
export type SnapshotFile = TreeInputFile;

/** Input of `commitSnapshot`. */
export interface SnapshotInput {
  /** Every file of the session (a full snapshot, not a change set). */
  files: readonly SnapshotFile[];
  /** The description; when empty or absent, one is written from the changes (`describeChanges`). */
  message?: string;
  /** Whoever typed most since the last commit. */
  author: Identity;
  /** Everyone else who typed: written as `Co-authored-by:` trailers. */
  coAuthors?: readonly Identity[];
  /** File document id → ShareDB version this snapshot was taken at (a note under refs/notes/gitpad). */
  covers?: Record<string, number>;
  /** What made the version (recorded in the note; git/kinds.ts). */
  kind?: VersionKind;
  /** Session file id → path of every file in the snapshot (recorded in the note: renames are followed by id). */
  paths?: Record<string, string>;
  /** Commit time; now by default. */
  time?: Date;
  /** Defaults to `DEFAULT_COMMITTER`. */
  committer?: Identity;
  /**
   * When given, the commit is made only if `main` is still at this commit (null: no commit yet);
   * otherwise ERR_CONFLICT. For callers that computed the snapshot against a version they read.
   */
  expectedParent?: string | null;
  /**
   * A second parent (a pushed commit, already in the repo): the commit is a merge of `main` and
   * it, made even when the tree equals `main`'s, so history keeps the pushed commits.
   */
  mergeParent?: string;
  /**
   * With `mergeParent`: a commit in `mergeParent`'s history (null: none yet, an import). When
   * `main` is still exactly there
   * and the snapshot's tree is exactly `mergeParent`'s, `main` moves to `mergeParent` itself (the
   * covers note goes on it) instead of a merge: a push nobody typed around leaves the pusher's
   * clone up to date.
   */
  fastForwardFrom?: string | null;
}

/** Outcome of `commitSnapshot`: a new commit, or nothing to commit (sha is the current head, null if none). */
export type CommitResult = { sha: string; unchanged?: false } | { unchanged: true; sha: string | null };

/**
 * Commits a full snapshot of the session's files on `main`. No empty commits: when the tree equals
 * the parent's (or there are no files and no commits yet) nothing is written and `{unchanged}` is
 * returned. Objects are written durably before `main` moves, by compare-and-swap, under the repo's
 * writer. Throws ERR_INVALID_PATH for a bad path, ERR_VALIDATION for bad input, ERR_CONFLICT when
 * `expectedParent` no longer holds.
 */
export async function commitSnapshot(repo: Repo, input: SnapshotInput): Promise<CommitResult> {
  if (!input || !Array.isArray(input.files))
    throw new AppError('ERR_VALIDATION', 'A snapshot needs a list of files.');
  // Everything that can fail on bad input is checked before taking the lock.
  const tree = buildTree(input.files);
  const author = cleanIdentity(input.author);
  const committer = cleanIdentity(input.committer ?? DEFAULT_COMMITTER);
  const coAuthors = (input.coAuthors ?? [])
    .map(cleanIdentity)
    .filter((c) => c.email.toLowerCase() !== author.email.toLowerCase());
  const covers = validateCovers(input.covers);
  const userMessage = cleanMessage(input.message ?? '');
  const time = input.time ?? new Date();
  const noteExtras = {
    ...(input.kind ? { kind: input.kind } : {}),
    ...(input.paths ? { paths: input.paths } : {}),
  };
  if (Number.isNaN(time.getTime())) throw new AppError('ERR_VALIDATION', 'Invalid commit time.');

  return repo.write(async () => {
    const parent = await readRef(repo, MAIN_REF);
    if (input.expectedParent !== undefined && input.expectedParent !== parent) {
      throw new AppError(
        'ERR_CONFLICT',
        'The session has a newer version than the one this snapshot was based on.',
        {
          expected: input.expectedParent,
          current: parent,
        },
      );
    }
    const parentTree = parent ? (await git.readCommit({ ...repo.git, oid: parent })).commit.tree : EMPTY_TREE;
    if (tree.oid === parentTree && !input.mergeParent) return { unchanged: true as const, sha: parent };
    if (input.mergeParent && input.fastForwardFrom !== undefined && input.fastForwardFrom === parent) {
      const pushed = await git.readCommit({ ...repo.git, oid: input.mergeParent });
      if (pushed.commit.tree === tree.oid) {
        await writeCommitNote(repo, input.mergeParent, { covers, ...noteExtras }, time);
        await updateRef(repo, MAIN_REF, input.mergeParent, parent);
        return { sha: input.mergeParent };
      }
    }

    const before = await flattenTree(repo, parentTree);
    // A change of executable bits alone moves no blob: say what it is rather than "No changes".
    const described = describeChanges(before, tree.files);
    const description = userMessage || (described === 'No changes' ? 'Change file modes' : described);
    // What the commit covers is machine data: a note (gitpad-notes.ts), never a trailer people read.
    const message = formatMessage(description, { coAuthors: dedupe(coAuthors), covers: {} });
    // Blobs and trees the parent already has are not rewritten (nor even stat'ed).
    const known = new Set(before.values());
    // A binary file's blob was written when it arrived; one missing (lost to a crash, say) would
    // make a commit git fsck refuses, so it is named instead.
    for (const file of input.files) {
      if ('blob' in file && !known.has(file.blob.oid) && !(await hasObject(repo, file.blob.oid))) {
        throw new AppError(
          'ERR_INTERNAL',
          `The content of "${file.path}" is missing from the session's repository: upload it again.`,
        );
      }
    }
    await writeObjects(
      repo,
      tree.objects.filter((o) => !(o.type === 'blob' && known.has(o.oid))),
    );
    const content = serializeCommit({
      tree: tree.oid,
      parents: [...(parent ? [parent] : []), ...(input.mergeParent ? [input.mergeParent] : [])],
      author,
      committer,
      time,
      message,
    });
    const sha = hashObject('commit', content);
    await writeObjects(repo, [{ type: 'commit', oid: sha, content }]);
    await writeCommitNote(repo, sha, { covers, ...noteExtras }, time);
    await updateRef(repo, MAIN_REF, sha, parent);
    return { sha };
  });
}

function dedupe(people: Identity[]): Identity[] {
  const seen = new Set<string>();
  return people.filter((p) => {
    const key = p.email.toLowerCase() || p.name;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The changes between two flat trees (path → blob id, or any value compared by equality). */
export interface TreeChanges {
  edited: string[];
  added: string[];
  deleted: string[];
  /** Exact renames: a deleted path whose content reappears at an added path. */
  renamed: Array<{ from: string; to: string }>;
}

/** Classifies the changes between two flat trees; exact renames are paired, preferring same file names. */
export function compareTrees(
  oldTree: ReadonlyMap<string, string>,
  newTree: ReadonlyMap<string, string>,
): TreeChanges {
  const edited: string[] = [];
  let added: string[] = [];
  let deleted: string[] = [];
  for (const [path, value] of newTree) {
    const old = oldTree.get(path);
    if (old === undefined) added.push(path);
    else if (old !== value) edited.push(path);
  }
  for (const path of oldTree.keys()) if (!newTree.has(path)) deleted.push(path);
  edited.sort(comparePaths);
  added.sort(comparePaths);
  deleted.sort(comparePaths);

  const renamed: Array<{ from: string; to: string }> = [];
  const base = (p: string) => p.slice(p.lastIndexOf('/') + 1);
  const used = new Set<string>();
  for (const to of added) {
    const value = newTree.get(to);
    const candidates = deleted.filter((d) => !used.has(d) && oldTree.get(d) === value);
    const from = candidates.find((d) => base(d) === base(to)) ?? candidates[0];
    if (from !== undefined) {
      used.add(from);
      renamed.push({ from, to });
    }
  }
  const renamedTo = new Set(renamed.map((r) => r.to));
  added = added.filter((p) => !renamedTo.has(p));
  deleted = deleted.filter((p) => !used.has(p));
  return { edited, added, deleted, renamed };
}

/**
 * A one-line description of what changed, for automatic commits:
 * "Edit src/app.ts, add README.md, delete old.txt, rename a.js → b.js", listing at most `max`
 * changes and then "and N more".
 */
export function describeChanges(
  oldTree: ReadonlyMap<string, string>,
  newTree: ReadonlyMap<string, string>,
  max = 5,
): string {
  const c = compareTrees(oldTree, newTree);
  const items = [
    ...c.edited.map((p) => `edit ${p}`),
    ...c.added.map((p) => `add ${p}`),
    ...c.deleted.map((p) => `delete ${p}`),
    ...c.renamed.map((r) => `rename ${r.from} → ${r.to}`),
  ];
  if (items.length === 0) return 'No changes';
  const shown = items.slice(0, max);
  let text = shown.join(', ');
  if (items.length > shown.length) text += `, and ${items.length - shown.length} more`;
  return text.charAt(0).toUpperCase() + text.slice(1);
}
