/**
 * One file's history (issue 15, item 3): the versions on `main`'s first-parent line that changed
 * it, and blame, which carries each line of its newest text back to the version that last
 * changed it. A file is followed by its session file id, which stays the same across renames:
 * each version's refs/notes/gitpad note records every file id's path (`paths`). Versions written
 * before that was recorded keep the path the newer version had (a rename there ends the file's
 * history, as if the file had been added). Git's own similarity heuristics are not used.
 */
import * as git from 'isomorphic-git';
import { AppError } from '../errors/app-error.js';
import type { BlameRun, FileVersion, VersionKind } from '../protocol/versions.js';
import {
  type DiffEngine,
  inlineDiffEngine,
  MAX_JOB_CHARS,
  type PairResult,
  type TextPair,
} from './diff-job.js';
import { GitpadNotesReader } from './gitpad-notes.js';
import { readDiffText, resolveCommitId } from './history.js';
import { kindFromMessage } from './kinds.js';
import { validateFilePath } from './paths.js';
import { readRef } from './refs.js';
import { MAIN_REF, type Repo } from './repo.js';
import { parseMessage } from './trailers.js';

/** One version on the first-parent line, with the file as it holds it. */
interface Step {
  sha: string;
  commit: git.CommitObject;
  path: string;
  oid: string;
}

/** Where a file's walk starts and how it is followed. */
export interface FileRef {
  /** The file's path in the version the walk starts from. */
  path: string;
  /** Its session file id, when known: followed across renames. */
  fileId?: string;
}

/** The blob id at `path` in tree `tree`, or null (no such file, or not a file). */
async function blobAt(repo: Repo, tree: string, path: string): Promise<string | null> {
  const parts = path.split('/');
  let oid = tree;
  for (let i = 0; i < parts.length; i++) {
    const { tree: entries } = await git.readTree({ ...repo.git, oid });
    const entry = entries.find((e) => e.path === parts[i]);
    if (!entry) return null;
    const last = i === parts.length - 1;
    if (last) return entry.type === 'blob' ? entry.oid : null;
    if (entry.type !== 'tree') return null;
    oid = entry.oid;
  }
  return null;
}

/**
 * Walks `main`'s first parents from `from` (default the head), yielding each version holding the
 * file, until the file is absent, history ends or `maxCommits` versions were read (`cut`).
 */
async function* walkFile(
  repo: Repo,
  file: FileRef,
  notes: GitpadNotesReader,
  from: string | null,
  maxCommits: number,
): AsyncGenerator<Step, { cut: boolean }> {
  let next = from;
  let path = file.path;
  for (let seen = 0; next; seen++) {
    if (seen >= maxCommits) return { cut: true };
    const { commit } = await git.readCommit({ ...repo.git, oid: next });
    if (file.fileId) {
      const paths = await notes.paths(next);
      if (paths) {
        const at = paths[file.fileId];
        if (at === undefined) return { cut: false };
        path = at;
      }
    }
    const oid = await blobAt(repo, commit.tree, path);
    if (oid === null) return { cut: false };
    yield { sha: next, commit, path, oid };
    next = commit.parent[0] ?? null;
  }
  return { cut: false };
}

/** Resolves where a walk starts: `before`'s first parent (paging) or the head. */
async function startOf(repo: Repo, before: string | undefined): Promise<string | null> {
  if (before === undefined) return readRef(repo, MAIN_REF);
  const oid = await resolveCommitId(repo, before);
  return (await git.readCommit({ ...repo.git, oid })).commit.parent[0] ?? null;
}

/** Most versions one per-file history or blame reads. */
export const MAX_FILE_WALK = 5000;

/** The subject people see: a name given afterwards (history.ts `nameVersion`), else the message's. */
async function subjectOf(step: Step, notes: GitpadNotesReader): Promise<string> {
  const name = await notes.name(step.sha);
  return name ? name.trim().split('\n', 1)[0]!.trim() : parseMessage(step.commit.message).subject;
}

async function kindOf(step: Step, notes: GitpadNotesReader): Promise<VersionKind> {
  return (
    (await notes.kind(step.sha)) ??
    kindFromMessage(parseMessage(step.commit.message).subject, step.commit.parent.length)
  );
}

/** Runs pairs through the engine in jobs of at most MAX_JOB_CHARS; a pair past it alone gets null. */
async function runPairs(
  engine: DiffEngine,
  kind: 'counts' | 'changes',
  pairs: TextPair[],
): Promise<Array<PairResult | null>> {
  const out: Array<PairResult | null> = [];
  let batch: TextPair[] = [];
  let chars = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    out.push(...(await engine.run({ kind, pairs: batch })));
    batch = [];
    chars = 0;
  };
  for (const pair of pairs) {
    const size = pair.oldText.length + pair.newText.length;
    if (size > MAX_JOB_CHARS) {
      await flush();
      out.push(null);
      continue;
    }
    if (chars + size > MAX_JOB_CHARS) await flush();
    batch.push(pair);
    chars += size;
  }
  await flush();
  return out;
}

/**
 * The versions that changed a file, newest first, at most `limit`; `next` continues the list
 * (pass it back as `before` with its `path`), null at the start of the file's history.
 */
export async function fileHistory(
  repo: Repo,
  file: FileRef,
  opts: { limit: number; before?: string; engine?: DiffEngine },
): Promise<{ versions: FileVersion[]; next: { before: string; path: string } | null }> {
  validateFilePath(file.path);
  const engine = opts.engine ?? inlineDiffEngine;
  return repo.read(async () => {
    const notes = new GitpadNotesReader(repo);
    const walk = walkFile(repo, file, notes, await startOf(repo, opts.before), MAX_FILE_WALK);
    const changed: Array<{ step: Step; older: Step | null }> = [];
    let prev: Step | null = null;
    let ended = false;
    // A version changed the file when its blob or path differs from the next older one's.
    for (;;) {
      const r = await walk.next();
      // Cut short (MAX_FILE_WALK versions without a change): `prev` may not be where it began.
      if (r.done && r.value.cut) break;
      const older = r.done ? null : r.value;
      if (prev && (!older || older.oid !== prev.oid || older.path !== prev.path)) {
        if (changed.length === opts.limit) break;
        changed.push({ step: prev, older });
      }
      if (r.done) {
        ended = !r.value.cut;
        break;
      }
      prev = older;
    }
    const pairs: TextPair[] = [];
    for (const { step, older } of changed) {
      pairs.push({
        oldText: older ? await readDiffText(repo, older.oid) : '',
        newText: await readDiffText(repo, step.oid),
      });
    }
    const binary = pairs.map((p) => p.oldText.includes('\0') || p.newText.includes('\0'));
    const counted = await runPairs(
      engine,
      'counts',
      pairs.map((p, i) => (binary[i] ? { oldText: '', newText: '' } : p)),
    ).catch((err) => {
      if (err instanceof AppError && err.code === 'ERR_DIFF_TOO_LARGE') return pairs.map(() => null);
      throw err;
    });
    const versions: FileVersion[] = [];
    for (const [i, { step, older }] of changed.entries()) {
      const c = counted[i];
      versions.push({
        sha: step.sha,
        kind: await kindOf(step, notes),
        subject: await subjectOf(step, notes),
        author: { name: step.commit.author.name, email: step.commit.author.email },
        time: new Date(step.commit.author.timestamp * 1000).toISOString(),
        path: step.path,
        ...(older && older.path !== step.path ? { oldPath: older.path } : {}),
        status: !older ? 'added' : older.path !== step.path ? 'renamed' : 'modified',
        additions: c && !binary[i] ? c.additions : 0,
        deletions: c && !binary[i] ? c.deletions : 0,
        ...(!c || binary[i] ? { uncounted: true as const } : {}),
      });
    }
    const last = changed.at(-1);
    const more = !ended || (last?.older ?? null) !== null;
    return {
      versions,
      next: more && last?.older ? { before: last.step.sha, path: last.older.path } : null,
    };
  });
}

/** Blame of a file's text in one version: runs of lines by the version that last changed them. */
export interface Blame {
  /** The version blamed (the head by default). */
  sha: string;
  path: string;
  lines: number;
  runs: Array<Omit<BlameRun, 'author'> & { author: { name: string; email: string } }>;
  /** The walk stopped early: lines older than `MAX_BLAME_VERSIONS` changes are the oldest's read. */
  truncated: boolean;
}

/** Most changes of a file blame reads back through (each costs a line diff). */
export const MAX_BLAME_VERSIONS = 300;

/**
 * Blames the file's text at `from` (default the head) as `git blame --first-parent` does: each line
 * belongs to the newest version whose change to the file introduced it. Stops after
 * `maxVersions` changes (or MAX_FILE_WALK versions): the lines not placed by then are attributed to
 * the oldest version read, and `truncated` says so.
 */
export async function blameFile(
  repo: Repo,
  file: FileRef,
  opts: { from?: string; engine?: DiffEngine; maxVersions?: number } = {},
): Promise<Blame> {
  validateFilePath(file.path);
  const engine = opts.engine ?? inlineDiffEngine;
  const maxVersions = opts.maxVersions ?? MAX_BLAME_VERSIONS;
  const steps: Step[] = [];
  let truncated = false;
  let headPath = file.path;
  const start = await repo.read(async () => {
    const from = opts.from ? await resolveCommitId(repo, opts.from) : await readRef(repo, MAIN_REF);
    const notes = new GitpadNotesReader(repo);
    const walk = walkFile(repo, file, notes, from, MAX_FILE_WALK);
    let changes = 0;
    for (;;) {
      const r = await walk.next();
      if (r.done) {
        truncated = r.value.cut;
        break;
      }
      const prev = steps.at(-1);
      if (!prev) headPath = r.value.path;
      // Consecutive versions holding the same blob are one step: only changes cost a diff.
      if (prev && prev.oid === r.value.oid) {
        steps[steps.length - 1] = r.value;
        continue;
      }
      if (prev && changes >= maxVersions) {
        truncated = true;
        break;
      }
      if (prev) changes++;
      steps.push(r.value);
    }
    return from;
  });
  if (steps.length === 0) {
    throw new AppError(
      'ERR_FILE_NOT_FOUND',
      start ? `${file.path} is not in version ${start.slice(0, 7)}.` : 'This session has no versions yet.',
    );
  }
  // After the merge above, steps[k] is the OLDEST version holding blob k; the version that
  // introduced a line of blob k is that one (the change happened there).
  // Binary versions read as a lone NUL (readDiffText): an older one simply differs from all text.
  const texts: string[] = [];
  for (const s of steps) texts.push(await repo.read(() => readDiffText(repo, s.oid)));
  if (texts[0] === '\0') {
    throw new AppError('ERR_VALIDATION', `${headPath} is a binary file: blame is for text files.`);
  }
  const headLines = countLines(texts[0]!);
  /** For each line of the head text: its index in the current step's text, or -1 once placed. */
  const at = Array.from({ length: headLines }, (_, i) => i);
  const owner = new Array<number>(headLines).fill(-1);
  const pairs: TextPair[] = [];
  for (let k = 0; k + 1 < steps.length; k++) pairs.push({ oldText: texts[k + 1]!, newText: texts[k]! });
  const results = await runPairs(engine, 'changes', pairs);
  let open = headLines;
  for (let k = 0; k + 1 < steps.length && open > 0; k++) {
    const changes = results[k]?.changes;
    if (!changes) {
      // Too large to compare: every line still open is this version's.
      for (let i = 0; i < headLines; i++) if (owner[i] === -1) owner[i] = k;
      open = 0;
      break;
    }
    const map = newToOld(countLines(texts[k]!), changes);
    for (let i = 0; i < headLines; i++) {
      if (owner[i] !== -1) continue;
      const old = map[at[i]!]!;
      if (old === -1) {
        owner[i] = k;
        open--;
      } else at[i] = old;
    }
  }
  for (let i = 0; i < headLines; i++) if (owner[i] === -1) owner[i] = steps.length - 1;
  const notes = new GitpadNotesReader(repo);
  const subjects = new Map<string, string>();
  for (const k of new Set(owner))
    subjects.set(steps[k]!.sha, await repo.read(() => subjectOf(steps[k]!, notes)));
  const runs: Blame['runs'] = [];
  for (let i = 0; i < headLines; i++) {
    const s = steps[owner[i]!]!;
    const run = runs.at(-1);
    if (run && run.sha === s.sha && run.endLine === i) {
      run.endLine = i + 1;
      continue;
    }
    runs.push({
      startLine: i + 1,
      endLine: i + 1,
      sha: s.sha,
      author: { name: s.commit.author.name, email: s.commit.author.email },
      time: new Date(s.commit.author.timestamp * 1000).toISOString(),
      message: subjects.get(s.sha)!,
    });
  }
  return { sha: start!, path: headPath, lines: headLines, runs, truncated };
}

/** Lines as git counts them: a final line without a newline still counts. */
export function countLines(text: string): number {
  if (text === '') return 0;
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return text.endsWith('\n') ? n : n + 1;
}

/** For each line of the new side: its line on the old side, or -1 when the change added it. */
function newToOld(
  newLines: number,
  changes: ReadonlyArray<{ oldStart: number; deleted: number; newStart: number; added: number }>,
): Int32Array {
  const map = new Int32Array(newLines);
  let a = 0;
  let b = 0;
  for (const c of changes) {
    while (b < c.newStart) map[b++] = a++;
    for (let d = 0; d < c.added; d++) map[b++] = -1;
    a += c.deleted;
  }
  while (b < newLines) map[b++] = a++;
  return map;
}
