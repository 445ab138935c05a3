/**
 * The line diff behind diffs and history stats, shaped to match `git diff`.
 *
 * The edit script comes from jsdiff's Myers implementation (`diffArrays` over line ids). Two
 * minimal edit scripts can differ in where an ambiguous block sits ("add `}\n\nfoo() {\n`" versus
 * "add `foo() {\n}\n\n`"), so the raw result is then normalized the way git normalizes its own:
 * every block of changed lines is slid as far down as it can go, merged with neighbours it
 * touches, lined up with a change on the other side when it can be, and otherwise placed by git's
 * indent heuristic (on by default since git 2.14: score each possible position by the blank lines
 * and indentation around it and keep the best). This is a re-implementation of the behaviour
 * described in git's documentation and the commit that introduced `diff.indentHeuristic`, checked
 * against the real `git diff` by the tests (server/test/git/diff.test.ts).
 *
 * Known difference: before running Myers, git treats lines that occur very often in the other
 * file (blank lines, lone braces) in a large changed region as changed without trying to match
 * them, which can make its diff of a heavy rewrite less minimal than ours. Both are correct
 * diffs; only the hunk shapes differ.
 */
import { diffArrays } from 'diff';

/** One block of changes: `deleted` old lines from `oldStart` replaced by `added` new lines at `newStart` (0-based). */
export interface LineChange {
  oldStart: number;
  deleted: number;
  newStart: number;
  added: number;
}

/** The two sides split into lines (each keeps its `\n`, the last may lack it) and the changes between them. */
export interface LineDiff {
  oldLines: string[];
  newLines: string[];
  changes: LineChange[];
}

/**
 * Above this many differing lines (after trimming the common start and end, and leaving out
 * lines found on one side only) Myers gets slow: jsdiff's takes ~2.5 s at 4,000 here, growing
 * with the square. The changed region is then shown as replaced wholesale, as git does past its
 * own cost limits.
 */
const MAX_EDIT_LENGTH = 4000;

/** Splits text into lines, each with its terminating `\n`; a final line without one is kept as is. */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  const out = lines.map((line) => `${line}\n`);
  // split() leaves '' after a final newline; otherwise the last line has no newline.
  if (lines[lines.length - 1] === '') out.pop();
  else out[out.length - 1] = lines[lines.length - 1]!;
  return out;
}

/** Diffs two texts line by line, with hunk positions as `git diff` would choose them. */
export function lineDiff(oldText: string, newText: string): LineDiff {
  const oldLines = splitLines(oldText);
  const newLines = splitLines(newText);
  const [a, b] = lineIds(oldLines, newLines);
  const changedA = new Uint8Array(a.length);
  const changedB = new Uint8Array(b.length);
  markChanges(a, b, changedA, changedB);
  slideChanges(oldLines, a, changedA, changedB);
  slideChanges(newLines, b, changedB, changedA);
  return { oldLines, newLines, changes: collectChanges(changedA, changedB) };
}

/**
 * The numbers of lines `lineDiff` would count as added and deleted (sliding moves changes but
 * never changes their number), without splitting the common start and end of the texts into
 * lines: history stats of a small edit to a big file cost a scan, not a line table.
 *
 * Only whole lines inside the common start and end are skipped; the middle may keep a few
 * common lines `lineDiff` would have trimmed, which a minimal edit script leaves unchanged, so
 * the counts are the same (and the same as the wholesale fallback's when Myers gives up).
 */
export function lineCounts(oldText: string, newText: string): { added: number; deleted: number } {
  if (oldText === newText) return { added: 0, deleted: 0 };
  const max = Math.min(oldText.length, newText.length);
  let prefix = 0;
  while (prefix < max && oldText.charCodeAt(prefix) === newText.charCodeAt(prefix)) prefix++;
  // Lines whose newline lies in the common start are equal on both sides.
  const from = prefix === 0 ? 0 : oldText.lastIndexOf('\n', prefix - 1) + 1;
  let suffix = 0;
  const room = max - from;
  while (
    suffix < room &&
    oldText.charCodeAt(oldText.length - 1 - suffix) === newText.charCodeAt(newText.length - 1 - suffix)
  ) {
    suffix++;
  }
  // Lines after a newline that lies in the common end are equal on both sides.
  const nl = oldText.indexOf('\n', oldText.length - suffix);
  const tail = nl === -1 ? 0 : oldText.length - (nl + 1);
  const oldLines = splitLines(oldText.slice(from, oldText.length - tail));
  const newLines = splitLines(newText.slice(from, newText.length - tail));
  const [a, b] = lineIds(oldLines, newLines);
  const changedA = new Uint8Array(a.length);
  const changedB = new Uint8Array(b.length);
  markChanges(a, b, changedA, changedB);
  return { added: countSet(changedB), deleted: countSet(changedA) };
}

function countSet(flags: Uint8Array): number {
  let n = 0;
  for (const f of flags) n += f;
  return n;
}

/** Integer ids of lines (equal lines, equal ids): Myers and the sliding compare numbers, not strings. */
function lineIds(oldLines: string[], newLines: string[]): [number[], number[]] {
  const ids = new Map<string, number>();
  const idOf = (line: string) => {
    let id = ids.get(line);
    if (id === undefined) {
      id = ids.size;
      ids.set(line, id);
    }
    return id;
  };
  return [oldLines.map(idOf), newLines.map(idOf)];
}

/** Marks the lines an edit script deletes from `a` and adds in `b`. */
function markChanges(a: number[], b: number[], changedA: Uint8Array, changedB: Uint8Array): void {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  // A line found on one side only is changed in every edit script: in a big changed region,
  // mark those first and leave them out of Myers (git does the same), so a rewrite costs a scan.
  // Small regions go to Myers whole, as they always have.
  let keepA: number[] | undefined;
  let keepB: number[] | undefined;
  if (endA - start + (endB - start) > MAX_EDIT_LENGTH) {
    const inA = new Set<number>();
    const inB = new Set<number>();
    for (let i = start; i < endA; i++) inA.add(a[i]!);
    for (let j = start; j < endB; j++) inB.add(b[j]!);
    keepA = [];
    keepB = [];
    for (let i = start; i < endA; i++) {
      if (inB.has(a[i]!)) keepA.push(i);
      else changedA[i] = 1;
    }
    for (let j = start; j < endB; j++) {
      if (inA.has(b[j]!)) keepB.push(j);
      else changedB[j] = 1;
    }
  }
  // Positions (in a and b) of the lines Myers compares.
  const posA = keepA ?? range(start, endA);
  const posB = keepB ?? range(start, endB);
  const midA = posA.map((i) => a[i]!);
  const midB = posB.map((j) => b[j]!);
  const script =
    midA.length && midB.length ? diffArrays(midA, midB, { maxEditLength: MAX_EDIT_LENGTH }) : undefined;
  if (!script) {
    for (const i of posA) changedA[i] = 1;
    for (const j of posB) changedB[j] = 1;
    return;
  }
  let i = 0;
  let j = 0;
  for (const part of script) {
    const count = part.count ?? part.value.length;
    if (part.removed) {
      for (const end = i + count; i < end; i++) changedA[posA[i]!] = 1;
    } else if (part.added) {
      for (const end = j + count; j < end; j++) changedB[posB[j]!] = 1;
    } else {
      i += count;
      j += count;
    }
  }
}

function range(from: number, to: number): number[] {
  const out = new Array<number>(Math.max(0, to - from));
  for (let k = 0; k < out.length; k++) out[k] = from + k;
  return out;
}

/** Reads the blocks of changes out of the two change maps (unchanged lines pair up in order). */
function collectChanges(changedA: Uint8Array, changedB: Uint8Array): LineChange[] {
  const out: LineChange[] = [];
  let i = 0;
  let j = 0;
  while (i < changedA.length || j < changedB.length) {
    if (i < changedA.length && j < changedB.length && !changedA[i] && !changedB[j]) {
      i++;
      j++;
      continue;
    }
    const oldStart = i;
    const newStart = j;
    while (i < changedA.length && changedA[i]) i++;
    while (j < changedB.length && changedB[j]) j++;
    out.push({ oldStart, deleted: i - oldStart, newStart, added: j - newStart });
  }
  return out;
}

/**
 * A run of changed lines `[start, end)` in one file, possibly empty. Runs are separated by single
 * unchanged lines; the k-th run of one file faces the k-th run of the other, because unchanged
 * lines pair up one to one.
 */
interface Run {
  start: number;
  end: number;
}

/** Normalizes the position of each run of changes in `lines` (see the module comment). */
function slideChanges(lines: string[], ids: number[], changed: Uint8Array, otherChanged: Uint8Array): void {
  const n = ids.length;
  const on = otherChanged.length;
  const firstRun = (flags: Uint8Array): Run => {
    let end = 0;
    while (end < flags.length && flags[end]) end++;
    return { start: 0, end };
  };
  const nextRun = (flags: Uint8Array, len: number, r: Run): boolean => {
    if (r.end >= len) return false;
    r.start = r.end + 1;
    r.end = r.start;
    while (r.end < len && flags[r.end]) r.end++;
    return true;
  };
  const prevRun = (flags: Uint8Array, r: Run): boolean => {
    if (r.start === 0) return false;
    r.end = r.start - 1;
    r.start = r.end;
    while (r.start > 0 && flags[r.start - 1]) r.start--;
    return true;
  };
  // Moving a run by one line is possible when the line leaving it equals the line joining it.
  const moveUp = (r: Run): boolean => {
    if (r.start === 0 || ids[r.start - 1] !== ids[r.end - 1]) return false;
    changed[--r.start] = 1;
    changed[--r.end] = 0;
    while (r.start > 0 && changed[r.start - 1]) r.start--;
    return true;
  };
  const moveDown = (r: Run): boolean => {
    if (r.end >= n || ids[r.start] !== ids[r.end]) return false;
    changed[r.start++] = 0;
    changed[r.end++] = 1;
    while (r.end < n && changed[r.end]) r.end++;
    return true;
  };
  const mustMove = (ok: boolean) => {
    if (!ok) throw new Error('line diff: change runs out of step');
  };

  const indents = lines.map(indentOf);
  const run = firstRun(changed);
  const other = firstRun(otherChanged);
  for (;;) {
    if (run.end > run.start) {
      let size: number;
      let topEnd: number;
      let alignedEnd: number;
      // Sliding can swallow neighbouring runs; repeat until the run stops growing.
      do {
        size = run.end - run.start;
        alignedEnd = -1;
        while (moveUp(run)) mustMove(prevRun(otherChanged, other));
        topEnd = run.end;
        if (other.end > other.start) alignedEnd = run.end;
        while (moveDown(run)) {
          mustMove(nextRun(otherChanged, on, other));
          if (other.end > other.start) alignedEnd = run.end;
        }
      } while (size !== run.end - run.start);

      if (run.end === topEnd) {
        // The run cannot move.
      } else if (alignedEnd !== -1) {
        // Prefer the lowest position facing a change in the other file (shows as one replacement).
        while (other.end === other.start) {
          mustMove(moveUp(run));
          mustMove(prevRun(otherChanged, other));
        }
      } else {
        const best = bestEnd(indents, n, run.end, size, topEnd);
        while (run.end > best) {
          mustMove(moveUp(run));
          mustMove(prevRun(otherChanged, other));
        }
      }
    }
    if (!nextRun(changed, n, run)) break;
    mustMove(nextRun(otherChanged, on, other));
  }
}

// Weights of git's indent heuristic (see `diff.indentHeuristic`).
const MAX_INDENT = 200;
const MAX_BLANKS = 20;
const MAX_SLIDING = 100;
const START_OF_FILE_PENALTY = 1;
const END_OF_FILE_PENALTY = 21;
const TOTAL_BLANK_WEIGHT = -30;
const POST_BLANK_WEIGHT = 6;
const RELATIVE_INDENT_PENALTY = -4;
const RELATIVE_INDENT_WITH_BLANK_PENALTY = 10;
const RELATIVE_OUTDENT_PENALTY = 24;
const RELATIVE_OUTDENT_WITH_BLANK_PENALTY = 17;
const RELATIVE_DEDENT_PENALTY = 23;
const RELATIVE_DEDENT_WITH_BLANK_PENALTY = 17;
const INDENT_WEIGHT = 60;

/** Width of a line's leading whitespace (tabs to multiples of 8), or -1 for a blank line. */
function indentOf(line: string): number {
  let width = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 0x20) width += 1;
    else if (c === 0x09) width += 8 - (width % 8);
    else if (c !== 0x0a && c !== 0x0d) return width;
    if (width >= MAX_INDENT) return MAX_INDENT;
  }
  return -1;
}

/**
 * Among the positions a run of `size` lines can end at (from `topEnd` to `end`, the lowest), the
 * one whose two boundaries look most like natural block boundaries; ties go to the lower one.
 */
function bestEnd(indents: number[], n: number, end: number, size: number, topEnd: number): number {
  let best = -1;
  let bestIndent = 0;
  let bestPenalty = 0;
  const from = Math.max(topEnd, end - size - 1, end - MAX_SLIDING);
  for (let candidate = from; candidate <= end; candidate++) {
    const score = { indent: 0, penalty: 0 };
    scoreBoundary(indents, n, candidate, score);
    scoreBoundary(indents, n, candidate - size, score);
    const cmp = INDENT_WEIGHT * Math.sign(score.indent - bestIndent) + (score.penalty - bestPenalty);
    if (best === -1 || cmp <= 0) {
      best = candidate;
      bestIndent = score.indent;
      bestPenalty = score.penalty;
    }
  }
  return best;
}

/** Adds the badness of a boundary just before line `at` to `score`. */
function scoreBoundary(
  indents: number[],
  n: number,
  at: number,
  score: { indent: number; penalty: number },
): void {
  const atEnd = at >= n;
  const indent = atEnd ? -1 : indents[at]!;

  let blanksBefore = 0;
  let indentBefore = -1;
  for (let i = at - 1; i >= 0; i--) {
    if (indents[i] !== -1) {
      indentBefore = indents[i]!;
      break;
    }
    if (++blanksBefore === MAX_BLANKS) {
      indentBefore = 0;
      break;
    }
  }
  let blanksAfter = 0;
  let indentAfter = -1;
  for (let i = at + 1; i < n; i++) {
    if (indents[i] !== -1) {
      indentAfter = indents[i]!;
      break;
    }
    if (++blanksAfter === MAX_BLANKS) {
      indentAfter = 0;
      break;
    }
  }

  if (indentBefore === -1 && blanksBefore === 0) score.penalty += START_OF_FILE_PENALTY;
  if (atEnd) score.penalty += END_OF_FILE_PENALTY;
  // Blank lines from the boundary down, counting the line right after it.
  const postBlank = indent === -1 ? 1 + blanksAfter : 0;
  const totalBlank = blanksBefore + postBlank;
  score.penalty += TOTAL_BLANK_WEIGHT * totalBlank + POST_BLANK_WEIGHT * postBlank;

  const effective = indent !== -1 ? indent : indentAfter;
  score.indent += effective;
  if (effective === -1 || indentBefore === -1 || effective === indentBefore) return;
  const blanks = totalBlank !== 0;
  if (effective > indentBefore) {
    score.penalty += blanks ? RELATIVE_INDENT_WITH_BLANK_PENALTY : RELATIVE_INDENT_PENALTY;
  } else if (indentAfter !== -1 && indentAfter > effective) {
    // Less indented than before but followed by deeper lines: probably opens a new block.
    score.penalty += blanks ? RELATIVE_OUTDENT_WITH_BLANK_PENALTY : RELATIVE_OUTDENT_PENALTY;
  } else {
    // Probably closes the previous block.
    score.penalty += blanks ? RELATIVE_DEDENT_WITH_BLANK_PENALTY : RELATIVE_DEDENT_PENALTY;
  }
}
