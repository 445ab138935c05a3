/**
 * The text-diff work behind diffs and history stats, as one synchronous job over text pairs: what
 * the diff worker thread runs (diff-pool.ts), or this thread for tools and tests (`inlineDiffEngine`).
 * Its cost grows with file size and, past the common start and end, with the size of the change,
 * so a server never runs it on its event loop.
 */
import type { DiffHunk, DiffLine } from '../protocol/versions.js';
import { type LineChange, lineCounts, lineDiff } from './text-diff.js';

/** The two texts of one file. */
export interface TextPair {
  oldText: string;
  newText: string;
}

/**
 * `hunks`: the hunks of each pair, at most `maxLines` lines (context included) in all; a file that
 * would pass the cap comes back `tooLarge`, counted but without hunks. `counts`: line counts only.
 */
export type DiffJob =
  | { kind: 'hunks'; pairs: TextPair[]; context: number; maxLines: number }
  | { kind: 'counts'; pairs: TextPair[] }
  | { kind: 'changes'; pairs: TextPair[] };

/** What a job gives for one pair. */
export interface PairResult {
  additions: number;
  deletions: number;
  hunks: DiffHunk[];
  /** The hunks were left out: they would pass the job's `maxLines`. */
  tooLarge: boolean;
  /** `changes` jobs: the blocks of changed lines as `lineDiff` places them (blame carries lines through them). */
  changes?: LineChange[];
}

/** Runs diff jobs; the server's is a worker pool, with a time cap. */
export interface DiffEngine {
  run(job: DiffJob): Promise<PairResult[]>;
}

/**
 * Most text one job may carry, UTF-16 code units (both sides of every pair). Past it the caller
 * refuses the diff rather than copy that much into a worker.
 */
export const MAX_JOB_CHARS = 64 * 1024 * 1024;

/** Runs jobs in this thread, without a time cap: for tools and tests, not for a server. */
export const inlineDiffEngine: DiffEngine = {
  run: async (job) => runDiffJob(job),
};

/** Runs a job (synchronously: seconds at worst, see MAX_EDIT_LENGTH in text-diff.ts). */
export function runDiffJob(job: DiffJob): PairResult[] {
  let linesLeft = job.kind === 'hunks' ? job.maxLines : 0;
  return job.pairs.map(({ oldText, newText }) => {
    if (job.kind === 'counts') {
      const c = lineCounts(oldText, newText);
      return { additions: c.added, deletions: c.deleted, hunks: [], tooLarge: false };
    }
    const diff = lineDiff(oldText, newText);
    if (job.kind === 'changes') {
      let additions = 0;
      let deletions = 0;
      for (const c of diff.changes) {
        additions += c.added;
        deletions += c.deleted;
      }
      return { additions, deletions, hunks: [], tooLarge: false, changes: diff.changes };
    }
    const result: PairResult = { additions: 0, deletions: 0, hunks: [], tooLarge: false };
    for (const c of diff.changes) {
      result.additions += c.added;
      result.deletions += c.deleted;
    }
    // Changed lines alone past the cap: do not build hunks only to drop them.
    if (result.additions + result.deletions > linesLeft) {
      result.tooLarge = true;
      return result;
    }
    const hunks = buildHunks(diff.oldLines, diff.newLines, diff.changes, job.context);
    const lines = hunks.reduce((n, h) => n + h.lines.length, 0);
    if (lines > linesLeft) {
      result.tooLarge = true;
      return result;
    }
    linesLeft -= lines;
    result.hunks = hunks;
    return result;
  });
}

/** Groups changes into hunks as git does: changes at most 2×context lines apart share a hunk. */
export function buildHunks(
  oldLines: string[],
  newLines: string[],
  changes: LineChange[],
  context: number,
): DiffHunk[] {
  const hunks: DiffHunk[] = [];
  let i = 0;
  let funcLine = -1;
  let searched = 0;
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
    // Lines above the previous hunk were searched already (once per file, not once per hunk).
    for (let k = s1 - 1; k >= searched; k--) {
      if (/^[A-Za-z_$]/.test(oldLines[k]!)) {
        funcLine = k;
        break;
      }
    }
    searched = Math.max(searched, s1);
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
