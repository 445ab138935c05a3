/**
 * Diffs between versions, or between a version and the live files, as structured per-file hunks
 * for the client; unified.ts renders them as git's text, byte for byte what `git diff base head`
 * prints for text files (checked against the real git by the tests).
 *
 * Renames are detected when a file's content moved unchanged (git's "similarity index 100%");
 * git also pairs renames of edited files by similarity, which we show as a deletion and an
 * addition, as `git diff --no-renames` would.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import * as git from 'isomorphic-git';
import { AppError } from '../errors/app-error.js';
import type { DiffHunk, DiffLine, FileDiff, FileStatus } from '../protocol/versions.js';
import { compareTrees, type SnapshotFile } from './commit.js';
import { type DiffEngine, inlineDiffEngine, MAX_JOB_CHARS, type TextPair } from './diff-job.js';
import { readDiffText, resolveCommitId } from './history.js';
import { buildTree, EMPTY_TREE, flattenTree, NULL_OID } from './objects.js';
import { comparePaths } from './paths.js';
import type { Repo } from './repo.js';

export type { DiffHunk, DiffLine, FileDiff, FileStatus };

/** Options of the diff functions. */
export interface DiffOptions {
  /** Context lines around each change, 3 as in git. */
  context?: number;
  /** Pair exact renames (default true, as `git diff` does). */
  renames?: boolean;
  /** Where the text diffs run: a server passes its worker pool; default this thread. */
  engine?: DiffEngine;
  /**
   * Most hunk lines (context included) in the whole diff; files past it come back `tooLarge`,
   * counted but without hunks. Default: no limit.
   */
  maxLines?: number;
}

/**
 * The diff between two versions (`base` null: from nothing, as for a first commit). Ids may be
 * abbreviated. Throws ERR_INVALID_SHA / ERR_VERSION_NOT_FOUND for bad ids.
 */
export async function diffCommits(
  repo: Repo,
  base: string | null,
  head: string,
  opts: DiffOptions = {},
): Promise<FileDiff[]> {
  return repo.read(async () => {
    const before = base === null ? new Map<string, string>() : await filesOf(repo, base);
    const after = await filesOf(repo, head);
    return diffFlatTrees(repo, before, after, (oid) => readDiffText(repo, oid), opts);
  });
}

/** The diff a commit introduces: against its first parent, or from nothing for the first commit. */
export async function diffCommit(repo: Repo, sha: string, opts: DiffOptions = {}): Promise<FileDiff[]> {
  return repo.read(async () => {
    const full = await resolveCommitId(repo, sha);
    const { commit } = await git.readCommit({ ...repo.git, oid: full });
    const parent = commit.parent[0];
    const before = parent ? await filesOf(repo, parent) : new Map<string, string>();
    const after = await flattenTree(repo, commit.tree);
    return diffFlatTrees(repo, before, after, (oid) => readDiffText(repo, oid), opts);
  });
}

/**
 * The diff between a version (null: nothing) and the live files of the session, as if they had
 * been committed ("3 files changed since the last version"). Throws ERR_INVALID_PATH for bad paths.
 */
export async function diffWithFiles(
  repo: Repo,
  base: string | null,
  files: readonly SnapshotFile[],
  opts: DiffOptions = {},
): Promise<FileDiff[]> {
  const live = buildTree(files);
  const texts = new Map<string, string>();
  for (const file of files) if ('content' in file) texts.set(live.files.get(file.path)!, file.content);
  return repo.read(async () => {
    const before = base === null ? new Map<string, string>() : await filesOf(repo, base);
    const load = (oid: string) => {
      const text = texts.get(oid);
      return text !== undefined ? Promise.resolve(text) : readDiffText(repo, oid);
    };
    return diffFlatTrees(repo, before, live.files, load, opts);
  });
}

async function filesOf(repo: Repo, sha: string): Promise<ReadonlyMap<string, string>> {
  const full = await resolveCommitId(repo, sha);
  const { commit } = await git.readCommit({ ...repo.git, oid: full });
  return flattenTree(repo, commit.tree ?? EMPTY_TREE);
}

async function diffFlatTrees(
  repo: Repo,
  before: ReadonlyMap<string, string>,
  after: ReadonlyMap<string, string>,
  load: (oid: string) => Promise<string>,
  opts: DiffOptions,
): Promise<FileDiff[]> {
  const context = Math.max(0, Math.floor(opts.context ?? 3));
  const changes = compareTrees(before, after);
  if (opts.renames === false) {
    for (const r of changes.renamed) {
      changes.deleted.push(r.from);
      changes.added.push(r.to);
    }
    changes.renamed = [];
  }
  type Pair = {
    path: string;
    oldPath: string;
    status: FileStatus;
    oldOid: string | null;
    newOid: string | null;
  };
  const pairs: Pair[] = [
    ...changes.edited.map((p) => ({
      path: p,
      oldPath: p,
      status: 'modified' as const,
      oldOid: before.get(p)!,
      newOid: after.get(p)!,
    })),
    ...changes.added.map((p) => ({
      path: p,
      oldPath: p,
      status: 'added' as const,
      oldOid: null,
      newOid: after.get(p)!,
    })),
    ...changes.deleted.map((p) => ({
      path: p,
      oldPath: p,
      status: 'deleted' as const,
      oldOid: before.get(p)!,
      newOid: null,
    })),
    ...changes.renamed.map((r) => ({
      path: r.to,
      oldPath: r.from,
      status: 'renamed' as const,
      oldOid: before.get(r.from)!,
      newOid: after.get(r.to)!,
    })),
  ];
  // git lists files in path order; a rename takes the place of its new path.
  pairs.sort((a, b) => comparePaths(a.path, b.path));

  const minAbbrev = await autoAbbrevLength(repo);
  const abbrev = async (oid: string | null) =>
    oid ? oid.slice(0, await uniqueAbbrevLength(repo, oid, minAbbrev)) : NULL_OID.slice(0, minAbbrev);

  const out: FileDiff[] = [];
  // Files whose text is compared, and the texts: loaded here, diffed by the engine in one job.
  const compared: FileDiff[] = [];
  const texts: TextPair[] = [];
  let chars = 0;
  for (const pair of pairs) {
    const file: FileDiff = {
      ...pair,
      oldAbbrev: await abbrev(pair.oldOid),
      newAbbrev: await abbrev(pair.newOid),
      binary: false,
      hunks: [],
      additions: 0,
      deletions: 0,
    };
    out.push(file);
    if (pair.status === 'renamed') continue;
    const oldText = pair.oldOid ? await load(pair.oldOid) : '';
    const newText = pair.newOid ? await load(pair.newOid) : '';
    if (isBinary(oldText) || isBinary(newText)) {
      file.binary = true;
      continue;
    }
    chars += oldText.length + newText.length;
    if (chars > MAX_JOB_CHARS) throw tooLargeToCompare();
    compared.push(file);
    texts.push({ oldText, newText });
  }
  if (texts.length === 0) return out;
  const engine = opts.engine ?? inlineDiffEngine;
  const maxLines = opts.maxLines ?? Number.POSITIVE_INFINITY;
  const results = await engine.run({ kind: 'hunks', pairs: texts, context, maxLines });
  compared.forEach((file, i) => {
    const r = results[i]!;
    file.hunks = r.hunks;
    file.additions = r.additions;
    file.deletions = r.deletions;
    if (r.tooLarge) file.tooLarge = true;
  });
  return out;
}

/** ERR_DIFF_TOO_LARGE for a diff whose changed files hold more text than one job may carry. */
export function tooLargeToCompare(): AppError {
  return new AppError(
    'ERR_DIFF_TOO_LARGE',
    'These versions hold too much changed text to compare on this server. Clone the session and run git diff.',
  );
}

/** git's binary test: a NUL among the first 8000 bytes (checked on characters, a close bound). */
function isBinary(text: string): boolean {
  return text.slice(0, 8000).includes('\0');
}

/**
 * git's abbreviation length for this repo (`core.abbrev=auto`): 7, growing with the number of
 * packed objects (8 from 2^14, 9 from 2^16…) so abbreviations stay unique.
 */
async function autoAbbrevLength(repo: Repo): Promise<number> {
  const packDir = path.join(repo.dir, 'objects', 'pack');
  let count = 0;
  let names: string[] = [];
  try {
    names = await fsp.readdir(packDir);
  } catch {
    return 7;
  }
  for (const name of names) {
    if (!name.endsWith('.idx')) continue;
    const handle = await fsp.open(path.join(packDir, name), 'r');
    try {
      // Version 2 index: magic, version, then 256 cumulative counts; the last is the total.
      const buf = Buffer.alloc(4);
      await handle.read(buf, 0, 4, 8 + 255 * 4);
      count += buf.readUInt32BE(0);
    } finally {
      await handle.close();
    }
  }
  if (count === 0) return 7;
  const bits = Math.floor(Math.log2(count)) + 1;
  return Math.max(7, Math.ceil(bits / 2));
}

/** The shortest prefix of `oid`, at least `min` long, that names no other object in the repo. */
async function uniqueAbbrevLength(repo: Repo, oid: string, min: number): Promise<number> {
  for (let len = min; len < 40; len++) {
    try {
      if ((await git.expandOid({ ...repo.git, oid: oid.slice(0, len) })) === oid) return len;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'NotFoundError') return len;
      if (code !== 'AmbiguousError') throw err;
    }
  }
  return 40;
}
