/**
 * A file's hunks as table rows, for the unified and the side-by-side layouts. Side by side pairs
 * each run of deleted lines with the run of added lines that follows it, row by row, as most
 * review tools do; context lines sit on both sides.
 */
import type { DiffHunk, DiffLine } from '@/api/versions';

export type DiffMode = 'unified' | 'split';

export interface HunkRow {
  kind: 'hunk';
  key: string;
  /** `@@ -1,3 +1,4 @@ header`, as git prints it. */
  text: string;
}

export interface UnifiedRow {
  kind: 'line';
  key: string;
  line: DiffLine;
  /** The line number in the new version, where a comment can attach (absent for deletions). */
  anchor?: number;
}

export interface SplitRow {
  kind: 'pair';
  key: string;
  left?: DiffLine;
  right?: DiffLine;
  anchor?: number;
}

export function hunkHeader(h: DiffHunk): string {
  const range = (start: number, count: number) => (count === 1 ? `${start}` : `${start},${count}`);
  const head = `@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@`;
  return h.header ? `${head} ${h.header}` : head;
}

export function unifiedRows(hunks: readonly DiffHunk[]): Array<HunkRow | UnifiedRow> {
  const rows: Array<HunkRow | UnifiedRow> = [];
  hunks.forEach((hunk, h) => {
    rows.push({ kind: 'hunk', key: `h${h}`, text: hunkHeader(hunk) });
    hunk.lines.forEach((line, i) => {
      rows.push({ kind: 'line', key: `h${h}l${i}`, line, ...(line.newLine ? { anchor: line.newLine } : {}) });
    });
  });
  return rows;
}

export function splitRows(hunks: readonly DiffHunk[]): Array<HunkRow | SplitRow> {
  const rows: Array<HunkRow | SplitRow> = [];
  hunks.forEach((hunk, h) => {
    rows.push({ kind: 'hunk', key: `h${h}`, text: hunkHeader(hunk) });
    let n = 0;
    const push = (left?: DiffLine, right?: DiffLine) =>
      rows.push({
        kind: 'pair',
        key: `h${h}r${n++}`,
        ...(left ? { left } : {}),
        ...(right ? { right } : {}),
        ...(right?.newLine ? { anchor: right.newLine } : {}),
      });
    const lines = hunk.lines;
    let i = 0;
    while (i < lines.length) {
      const line = lines[i]!;
      if (line.type === 'context') {
        push(line, line);
        i++;
        continue;
      }
      const dels: DiffLine[] = [];
      const adds: DiffLine[] = [];
      while (i < lines.length && lines[i]!.type === 'del') dels.push(lines[i++]!);
      while (i < lines.length && lines[i]!.type === 'add') adds.push(lines[i++]!);
      for (let k = 0; k < Math.max(dels.length, adds.length); k++) push(dels[k], adds[k]);
    }
  });
  return rows;
}
