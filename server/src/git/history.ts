/**
 * Reading history: the log of `main`, a version's files, and commit ids typed by people.
 */
import * as git from 'isomorphic-git';
import { AppError } from '../errors/app-error.js';
import { EXECUTABLE_MODE, isBinaryContent } from '../protocol/binary.js';
import type { VersionKind } from '../protocol/versions.js';
import { type DiffEngine, inlineDiffEngine, MAX_JOB_CHARS, type TextPair } from './diff-job.js';
import { GitpadNotesReader, updateGitpadNote } from './gitpad-notes.js';
import { kindFromMessage } from './kinds.js';
import { EMPTY_TREE, flattenTree, flattenTreeModes, type Identity, readBlobBytes } from './objects.js';
import { comparePaths, validateFilePath } from './paths.js';
import { readRef } from './refs.js';
import { MAIN_REF, type Repo, remember } from './repo.js';
import { cleanMessage, parseMessage } from './trailers.js';

/** One entry of `log`. */
export interface LogEntry {
  sha: string;
  /** The description, without the trailer block. */
  message: string;
  subject: string;
  author: Identity;
  coAuthors: Identity[];
  /** Document versions the commit covers (its refs/notes/gitpad note, or an older commit's `Gitpad-Covers` trailer), {} when absent. */
  covers: Record<string, number>;
  /** Author time, ISO 8601. */
  time: string;
  parents: string[];
  /** What made the version: its note's record, else read from its message (kinds.ts). */
  kind: VersionKind;
  /** Changes against the first parent, as `git log --shortstat` counts them (binary files: 0 lines). */
  stats: CommitStats;
}

/** A commit's change counts. */
export interface CommitStats {
  files: number;
  additions: number;
  deletions: number;
  /**
   * Present when some changed files were too large to compare within the diff engine's caps:
   * how many; their lines are not in `additions` and `deletions`.
   */
  tooLarge?: number;
}

/** Options of the history reads that count changes. */
export interface HistoryOptions {
  /** Where the line counts run: a server passes its worker pool; default this thread. */
  engine?: DiffEngine;
}

const MAX_LIMIT = 500;

/** Most commits one filtered `log` call looks at (a filter that matches rarely stops there). */
export const MAX_SCAN = 10_000;

/**
 * The history of `main`, newest first, following first parents. `before` pages: it returns the
 * commits older than that commit. `keep` filters by sha and kind before anything costly is read,
 * looking at most at MAX_SCAN commits. An empty repo gives []. Throws ERR_INVALID_SHA /
 * ERR_VERSION_NOT_FOUND for a bad `before`.
 */
export async function log(
  repo: Repo,
  opts: HistoryOptions & {
    limit?: number;
    before?: string;
    keep?: (sha: string, kind: VersionKind) => boolean;
  } = {},
): Promise<LogEntry[]> {
  const limit = Math.max(1, Math.min(MAX_LIMIT, Math.floor(opts.limit ?? 50)));
  return repo.read(async () => {
    let next: string | null;
    if (opts.before !== undefined) {
      const start = await resolveCommitId(repo, opts.before);
      next = (await git.readCommit({ ...repo.git, oid: start })).commit.parent[0] ?? null;
    } else {
      next = await readRef(repo, MAIN_REF);
    }
    const out: LogEntry[] = [];
    const covers = new GitpadNotesReader(repo);
    for (let scanned = 0; next && out.length < limit && scanned < MAX_SCAN; scanned++) {
      const { commit } = await git.readCommit({ ...repo.git, oid: next });
      if (!opts.keep || opts.keep(next, await kindOf(next, commit, covers)))
        out.push(await toEntry(repo, next, commit, opts, covers));
      next = commit.parent[0] ?? null;
    }
    return out;
  });
}

/**
 * For each of `ids` (file document ids), the version recorded by the newest commit on `main`
 * that covers it (gitpad-notes.ts: its note, or the trailer of an older commit), walking first parents until every id is found or history
 * ends. Ids no commit covers are absent. Reads commit objects only: no trees, no diffs.
 */
export async function lastCovered(
  repo: Repo,
  ids: Iterable<string>,
  from?: string,
): Promise<Map<string, number>> {
  const wanted = new Set(ids);
  const found = new Map<string, number>();
  if (wanted.size === 0) return found;
  return repo.read(async () => {
    let next = from ?? (await readRef(repo, MAIN_REF));
    const covers = new GitpadNotesReader(repo);
    while (next && found.size < wanted.size) {
      const { commit } = await git.readCommit({ ...repo.git, oid: next });
      for (const [id, v] of Object.entries(await covers.coversOf(next, commit.message))) {
        if (wanted.has(id) && !found.has(id)) found.set(id, v);
      }
      next = commit.parent[0] ?? null;
    }
    return found;
  });
}

/** One version's log entry (what `log` lists), by full or abbreviated id. */
export async function readEntry(repo: Repo, sha: string, opts: HistoryOptions = {}): Promise<LogEntry> {
  return repo.read(async () => {
    const oid = await resolveCommitId(repo, sha);
    const { commit } = await git.readCommit({ ...repo.git, oid });
    return toEntry(repo, oid, commit, opts, new GitpadNotesReader(repo));
  });
}

const firstLine = (text: string) => text.trim().split('\n', 1)[0]!.trim();

/**
 * Names version `sha` after it was made: its note gets `kind: save` and `name` (its commit keeps
 * its message). Only an autosave can be named so (Save version with a message when the worker had
 * already committed everything); returns false for any other version.
 */
export async function nameVersion(repo: Repo, sha: string, name: string): Promise<boolean> {
  const text = cleanMessage(name);
  if (text === '') return false;
  return repo.write(async () => {
    const oid = await resolveCommitId(repo, sha);
    const { commit } = await git.readCommit({ ...repo.git, oid });
    if ((await kindOf(oid, commit, new GitpadNotesReader(repo))) !== 'autosave') return false;
    await updateGitpadNote(repo, oid, { kind: 'save', name: text });
    return true;
  });
}

/** A commit's kind: recorded in its note, else read from its message. */
async function kindOf(sha: string, commit: git.CommitObject, notes: GitpadNotesReader): Promise<VersionKind> {
  return (
    (await notes.kind(sha)) ?? kindFromMessage(parseMessage(commit.message).subject, commit.parent.length)
  );
}

async function toEntry(
  repo: Repo,
  sha: string,
  commit: git.CommitObject,
  opts: HistoryOptions,
  covers: GitpadNotesReader,
): Promise<LogEntry> {
  const parsed = parseMessage(commit.message);
  // An autosave named afterwards reads as its name (nameVersion).
  const name = await covers.name(sha);
  return {
    sha,
    message: name ?? parsed.message,
    subject: name ? firstLine(name) : parsed.subject,
    author: { name: commit.author.name, email: commit.author.email },
    coAuthors: parsed.coAuthors,
    covers: (await covers.covers(sha)) ?? parsed.covers,
    time: new Date(commit.author.timestamp * 1000).toISOString(),
    parents: commit.parent,
    kind: await kindOf(sha, commit, covers),
    stats: await commitStats(repo, sha, commit.tree, commit.parent[0], opts.engine ?? inlineDiffEngine),
  };
}

/**
 * A commit's stats, computed once (commits are immutable) by the engine. A commit whose changed
 * files cannot be compared within the engine's caps still lists, with those files `tooLarge`.
 */
async function commitStats(
  repo: Repo,
  sha: string,
  tree: string,
  parent: string | undefined,
  engine: DiffEngine,
): Promise<CommitStats> {
  const cached = repo.statsCache.get(sha);
  if (cached) return cached;
  const parentTree = parent ? (await git.readCommit({ ...repo.git, oid: parent })).commit.tree : EMPTY_TREE;
  const before = await flattenTree(repo, parentTree);
  const after = await flattenTree(repo, tree);
  const stats: CommitStats = { files: 0, additions: 0, deletions: 0 };
  const pairs: TextPair[] = [];
  let chars = 0;
  let skipped = 0;
  const paths = new Set([...before.keys(), ...after.keys()]);
  for (const path of paths) {
    const a = before.get(path);
    const b = after.get(path);
    if (a === b) continue;
    stats.files++;
    const oldText = a ? await readDiffText(repo, a) : '';
    const newText = b ? await readDiffText(repo, b) : '';
    if (oldText.includes('\0') || newText.includes('\0')) continue;
    chars += oldText.length + newText.length;
    if (chars > MAX_JOB_CHARS) skipped++;
    else pairs.push({ oldText, newText });
  }
  if (pairs.length > 0) {
    try {
      for (const r of await engine.run({ kind: 'counts', pairs })) {
        stats.additions += r.additions;
        stats.deletions += r.deletions;
      }
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'ERR_DIFF_TOO_LARGE')) throw err;
      skipped += pairs.length;
    }
  }
  if (skipped > 0) stats.tooLarge = skipped;
  return remember(repo.statsCache, sha, stats, 2000);
}

/** The text of a blob (UTF-8). */
/**
 * A blob's text for diffs and line counts: a binary one (protocol/binary.ts) reads as a lone
 * NUL, which the diff and the stats take for git's "Binary files differ".
 */
export async function readDiffText(repo: Repo, oid: string): Promise<string> {
  const bytes = await readBlobBytes(repo, oid);
  if (isBinaryContent(bytes)) return '\0';
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

export async function readBlobText(repo: Repo, oid: string): Promise<string> {
  const { blob } = await git.readBlob({ ...repo.git, oid });
  return Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength).toString('utf8');
}

/**
 * Checks a commit id typed by a person or sent by a client and returns the full id: 40 hex
 * digits, or an abbreviation of at least 7 that names one object. Throws ERR_INVALID_SHA for a
 * malformed or ambiguous id, ERR_VERSION_NOT_FOUND when no commit has it.
 */
export async function resolveSha(repo: Repo, sha: string): Promise<string> {
  return repo.read(() => resolveCommitId(repo, sha));
}

/**
 * `resolveSha` without the read gate, for code already inside `repo.read` or `repo.write`
 * (taking the gate there again could wait on a maintenance run queued behind us).
 */
export async function resolveCommitId(repo: Repo, input: string): Promise<string> {
  if (typeof input !== 'string')
    throw new AppError('ERR_INVALID_SHA', 'A version id is a hexadecimal string.');
  const sha = input.trim().toLowerCase();
  if (!/^[0-9a-f]{7,40}$/.test(sha)) {
    throw new AppError(
      'ERR_INVALID_SHA',
      `"${input.slice(0, 50)}" is not a version id (7 to 40 hex digits).`,
    );
  }
  let full = sha;
  if (sha.length < 40) {
    try {
      full = await git.expandOid({ ...repo.git, oid: sha });
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'AmbiguousError')
        throw new AppError('ERR_INVALID_SHA', `"${sha}" is ambiguous; use more digits.`);
      if (code === 'NotFoundError') throw notFound(sha);
      throw err;
    }
  }
  let type: string;
  try {
    type = (await git.readObject({ ...repo.git, oid: full, format: 'parsed' })).type;
  } catch (err) {
    if ((err as { code?: string }).code === 'NotFoundError') throw notFound(sha);
    throw err;
  }
  if (type !== 'commit') throw notFound(sha);
  return full;
}

function notFound(sha: string): AppError {
  return new AppError('ERR_VERSION_NOT_FOUND', `Version ${sha.slice(0, 12)} does not exist.`);
}

/** The tree id of a commit (already resolved). */
async function treeOf(repo: Repo, sha: string): Promise<string> {
  return (await git.readCommit({ ...repo.git, oid: sha })).commit.tree;
}

/**
 * The files of a version, in git order. `sha` may be abbreviated (see `resolveSha`).
 */
export async function readVersion(
  repo: Repo,
  sha: string,
): Promise<Array<{ path: string; content: string }>> {
  const tree = await readTree(repo, sha);
  return [...tree].map(([path, content]) => ({ path, content }));
}

/**
 * A version's files as path → text, in git order: what a revert applies to the live documents
 * (the server turns the difference into ordinary ops, then commits the result as a new commit).
 */
export async function readTree(repo: Repo, sha: string): Promise<Map<string, string>> {
  return repo.read(async () => {
    const full = await resolveCommitId(repo, sha);
    const files = await flattenTree(repo, await treeOf(repo, full));
    const out = new Map<string, string>();
    for (const path of [...files.keys()].sort(comparePaths)) {
      out.set(path, await readBlobText(repo, files.get(path)!));
    }
    return out;
  });
}

/**
 * One file of a version as the session holds it: text (valid UTF-8 without NUL, a ShareDB
 * document when live) or a binary blob (protocol/binary.ts `isBinaryContent`), with its mode
 * when executable.
 */
export type VersionFile =
  | { path: string; content: string; mode?: typeof EXECUTABLE_MODE }
  | { path: string; blob: { oid: string; size: number }; mode?: typeof EXECUTABLE_MODE };

/** Reads blob `oid` at `path` as a session file: text or binary, by its bytes. */
async function versionFile(repo: Repo, path: string, oid: string, mode: string): Promise<VersionFile> {
  const bytes = await readBlobBytes(repo, oid);
  const exec = mode === EXECUTABLE_MODE ? { mode: EXECUTABLE_MODE } : {};
  if (isBinaryContent(bytes)) return { path, blob: { oid, size: bytes.length }, ...exec };
  return {
    path,
    content: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'),
    ...exec,
  };
}

/**
 * A version's files as path → text or blob, in git order: what a revert applies (text as ops,
 * binary files as manifest entries pointing at the same blobs).
 */
export async function readTreeFiles(repo: Repo, sha: string): Promise<Map<string, VersionFile>> {
  return repo.read(async () => {
    const full = await resolveCommitId(repo, sha);
    const files = await flattenTreeModes(repo, await treeOf(repo, full));
    const out = new Map<string, VersionFile>();
    for (const path of [...files.keys()].sort(comparePaths)) {
      const { oid, mode } = files.get(path)!;
      out.set(path, await versionFile(repo, path, oid, mode));
    }
    return out;
  });
}

/** One file of a version, text or binary. Throws ERR_FILE_NOT_FOUND when the version has no such file. */
export async function readVersionFile(repo: Repo, sha: string, path: string): Promise<VersionFile> {
  validateFilePath(path);
  return repo.read(async () => {
    const full = await resolveCommitId(repo, sha);
    const entry = (await flattenTreeModes(repo, await treeOf(repo, full))).get(path);
    if (!entry)
      throw new AppError('ERR_FILE_NOT_FOUND', `${path} does not exist in version ${full.slice(0, 7)}.`);
    return versionFile(repo, path, entry.oid, entry.mode);
  });
}

/** The bytes of blob `oid`, read beside writes (held back only by maintenance). */
export async function readBlob(repo: Repo, oid: string): Promise<Uint8Array> {
  return repo.read(() => readBlobBytes(repo, oid));
}

/** The text of one file in a version. Throws ERR_FILE_NOT_FOUND when the version has no such file. */
export async function readFileAt(repo: Repo, sha: string, path: string): Promise<string> {
  validateFilePath(path);
  return repo.read(async () => {
    const full = await resolveCommitId(repo, sha);
    const oid = (await flattenTree(repo, await treeOf(repo, full))).get(path);
    if (!oid)
      throw new AppError('ERR_FILE_NOT_FOUND', `${path} does not exist in version ${full.slice(0, 7)}.`);
    return readBlobText(repo, oid);
  });
}

/** The commit `main` points at, or null before the first commit. */
export async function headSha(repo: Repo): Promise<string | null> {
  return repo.read(() => readRef(repo, MAIN_REF));
}

/**
 * The newest version on `main`'s first-parent line that has a file at `path`, looking back at most
 * `maxCommits` versions; null when none does (restoring a deleted file from its last version).
 */
export async function latestWithFile(repo: Repo, path: string, maxCommits = 1000): Promise<string | null> {
  validateFilePath(path);
  return repo.read(async () => {
    let next = await readRef(repo, MAIN_REF);
    for (let seen = 0; next !== null && seen < maxCommits; seen++) {
      const files = await flattenTree(repo, await treeOf(repo, next));
      if (files.has(path)) return next;
      next = (await git.readCommit({ ...repo.git, oid: next })).commit.parent[0] ?? null;
    }
    return null;
  });
}
