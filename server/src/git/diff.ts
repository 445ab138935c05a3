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
import type { DiffHunk, DiffLine, FileDiff, FileStatus } from '../protocol/versions.js';
import { compareTrees, type SnapshotFile } from './commit.js';
import { readBlobText, resolveCommitId } from './history.js';
import { buildTree, EMPTY_TREE, flattenTree, NULL_OID } from './objects.js';
import { comparePaths } from './paths.js';
import type { Repo } from './repo.js';
import { type LineChange, lineDiff } from './text-diff.js';

export type { DiffHunk, DiffLine, FileDiff, FileStatus };

/** Options of the diff functions. */
export interface DiffOptions {
  /** Context lines around each change, 3 as in git. */
  context?: number;
  /** Pair exact renames (default true, as `git diff` does). */
  renames?: boolean;
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
    return diffFlatTrees(repo, before, after, (oid) => readBlobText(repo, oid), opts);
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
    return diffFlatTrees(repo, before, after, (oid) => readBlobText(repo, oid), opts);
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
  for (const file of files) texts.set(live.files.get(file.path)!, file.content);
  return repo.read(async () => {
    const before = base === null ? new Map<string, string>() : await filesOf(repo, base);
    const load = (oid: string) => {
      const text = texts.get(oid);
      return text !== undefined ? Promise.resolve(text) : readBlobText(repo, oid);
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
    if (pair.status !== 'renamed') {
      const oldText = pair.oldOid ? await load(pair.oldOid) : '';
      const newText = pair.newOid ? await load(pair.newOid) : '';
      if (isBinary(oldText) || isBinary(newText)) {
        file.binary = true;
      } else {
        const diff = lineDiff(oldText, newText);
        file.hunks = buildHunks(diff.oldLines, diff.newLines, diff.changes, context);
        for (const c of diff.changes) {
          file.additions += c.added;
          file.deletions += c.deleted;
        }
      }
    }
    out.push(file);
  }
  return out;
}

/** git's binary test: a NUL among the first 8000 bytes (checked on characters, a close bound). */
function isBinary(text: string): boolean {
  return text.slice(0, 8000).includes('\0');
}

/** Groups changes into hunks as git does: changes at most 2×context lines apart share a hunk. */
function buildHunks(
  oldLines: string[],
  newLines: string[],
  changes: LineChange[],
  context: number,
): DiffHunk[] {
  const hunks: DiffHunk[] = [];
  let i = 0;
  let funcLine = -1;
  while (i < changes.length) {
    let j = i;
    while (
      j + 1 < changes.length &&
      changes[j + 1]!.oldStart - (changes[j]!.oldStart + changes[j]!.deleted) <= 2 * context
    ) {
      j++;
    }
    const first = changes[i]!;
    const last = changes[j]!;
    const s1 = Math.max(first.oldStart - context, 0);
    const s2 = Math.max(first.newStart - context, 0);
    const after = Math.min(
      context,
      oldLines.length - (last.oldStart + last.deleted),
      newLines.length - (last.newStart + last.added),
    );
    const e1 = last.oldStart + last.deleted + after;
    const e2 = last.newStart + last.added + after;

    const lines: DiffLine[] = [];
    let a = s1;
    let b = s2;
    const push = (type: DiffLine['type'], raw: string, oldNo?: number, newNo?: number) => {
      const line: DiffLine = { type, text: raw.endsWith('\n') ? raw.slice(0, -1) : raw };
      if (oldNo !== undefined) line.oldLine = oldNo + 1;
      if (newNo !== undefined) line.newLine = newNo + 1;
      if (!raw.endsWith('\n')) line.noNewline = true;
      lines.push(line);
    };
    for (let k = i; k <= j; k++) {
      const c = changes[k]!;
      while (a < c.oldStart) push('context', oldLines[a]!, a++, b++);
      for (let d = 0; d < c.deleted; d++) push('del', oldLines[a]!, a++);
      for (let d = 0; d < c.added; d++) push('add', newLines[b]!, undefined, b++);
    }
    while (a < e1) push('context', oldLines[a]!, a++, b++);

    // The function line: the nearest line above the hunk (in the old file) that starts with a
    // letter, `_` or `$` (git's default). Searching from the previous hunk onward and otherwise
    // keeping the previous answer is what git does, and gives the same result.
    for (let k = s1 - 1; k >= 0; k--) {
      if (/^[A-Za-z_$]/.test(oldLines[k]!)) {
        funcLine = k;
        break;
      }
    }
    hunks.push({
      oldStart: e1 - s1 === 0 ? s1 : s1 + 1,
      oldLines: e1 - s1,
      newStart: e2 - s2 === 0 ? s2 : s2 + 1,
      newLines: e2 - s2,
      header: funcLine >= 0 ? functionHeader(oldLines[funcLine]!) : '',
      lines,
    });
    i = j + 1;
  }
  return hunks;
}

/** git keeps at most 80 bytes of the function line, then drops trailing whitespace. */
function functionHeader(line: string): string {
  let bytes = Buffer.from(line, 'utf8');
  if (bytes.length > 80) bytes = bytes.subarray(0, 80);
  let end = bytes.length;
  while (end > 0 && [0x20, 0x09, 0x0a, 0x0d].includes(bytes[end - 1]!)) end--;
  return bytes.subarray(0, end).toString('utf8');
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
