/**
 * A line-based three-way merge for pushes that cannot be transformed (their base is not a Gitpad
 * version, or its ops were compacted away): the pushed side's hunks are laid into the live text
 * when no hunk of the live side touches the same base lines; otherwise the overlaps are reported
 * and nothing is merged.
 */
import { diffArrays } from 'diff';

/** One changed region: base lines [start, end) replaced by `lines`. */
interface Hunk {
  start: number;
  end: number;
  lines: string[];
}

/** A region both sides changed: 1-based line range in the pushed file. */
export interface Overlap {
  /** First pushed line of the refused hunk (1-based); `to` is inclusive and may equal `from - 1` for a deletion. */
  from: number;
  to: number;
}

/** Splits text into lines that keep their line ends, so joining them restores the text. */
function lines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

function hunks(base: string[], other: string[]): Array<Hunk & { newStart: number }> {
  const out: Array<Hunk & { newStart: number }> = [];
  let b = 0;
  let n = 0;
  let open: (Hunk & { newStart: number }) | null = null;
  for (const part of diffArrays(base, other)) {
    const count = part.value.length;
    if (!part.added && !part.removed) {
      if (open) out.push(open);
      open = null;
      b += count;
      n += count;
      continue;
    }
    open ??= { start: b, end: b, lines: [], newStart: n };
    if (part.removed) {
      b += count;
      open.end = b;
    } else {
      open.lines.push(...part.value);
      n += count;
    }
  }
  if (open) out.push(open);
  return out;
}

/**
 * Merges `theirs` (pushed) into `ours` (live), both changed from `base`. Returns the merged text,
 * or the pushed line ranges whose hunks overlap a live change (touching counts: two insertions at
 * the same place, or an edit right next to another, are ambiguous and refused, as git does).
 */
export function merge3(
  base: string,
  ours: string,
  theirs: string,
): { text: string } | { overlaps: Overlap[] } {
  const b = lines(base);
  const mine = hunks(b, lines(ours));
  const pushed = hunks(b, lines(theirs));
  const overlaps: Overlap[] = [];
  for (const h of pushed) {
    const clash = mine.some((m) => m.start <= h.end && h.start <= m.end);
    if (clash) overlaps.push({ from: h.newStart + 1, to: h.newStart + h.lines.length });
  }
  if (overlaps.length > 0) return { overlaps };
  // Lay every hunk of both sides into the base, last first so earlier positions stay valid.
  const result = [...b];
  const all = [...mine, ...pushed].sort((x, y) => y.start - x.start);
  for (const h of all) result.splice(h.start, h.end - h.start, ...h.lines);
  return { text: result.join('') };
}
