/**
 * Fuzzy matching of a typed query against paths and titles, as quick open and the command palette
 * use it: every query character must appear in order; matches at word starts (after `/`, `.`,
 * `-`, `_`, a space, or a lower→upper case change), runs of consecutive characters and matches in
 * the file name (after the last `/`) score higher. Case-insensitive.
 */

export interface FuzzyMatch {
  score: number;
  /** Indices of the matched characters in the target, ascending (for highlighting). */
  positions: number[];
}

const BOUNDARY = /[/\\._\-\s]/;

function isBoundary(target: string, i: number): boolean {
  if (i === 0) return true;
  const prev = target[i - 1]!;
  if (BOUNDARY.test(prev)) return true;
  const c = target[i]!;
  return prev === prev.toLowerCase() && c !== c.toLowerCase() && c === c.toUpperCase();
}

function score(target: string, positions: number[]): number {
  const base = target.lastIndexOf('/') + 1;
  let s = 0;
  for (let j = 0; j < positions.length; j++) {
    const i = positions[j]!;
    s += 1;
    if (isBoundary(target, i)) s += 6;
    if (j > 0 && positions[j - 1] === i - 1) s += 4;
    else if (j > 0) s -= Math.min(3, (i - positions[j - 1]! - 1) * 0.2);
    if (i >= base) s += 2;
  }
  // Shorter targets first among equals.
  return s - target.length * 0.01;
}

/** Matches `query` (spaces ignored) against `target`; null when it does not match. */
export function fuzzyMatch(query: string, target: string): FuzzyMatch | null {
  const q = query.replace(/\s+/g, '').toLowerCase();
  if (q.length === 0) return { score: 0, positions: [] };
  const t = target.toLowerCase();
  // Two greedy passes, from the left and (for the file name) from the right: keep the better.
  const forward: number[] = [];
  for (let i = 0; i < t.length && forward.length < q.length; i++) {
    if (t[i] === q[forward.length]) forward.push(i);
  }
  if (forward.length < q.length) return null;
  const backward: number[] = [];
  for (let i = t.length - 1; i >= 0 && backward.length < q.length; i--) {
    if (t[i] === q[q.length - 1 - backward.length]) backward.unshift(i);
  }
  const candidates = [forward, backward, atBoundaries(t, q, target)].filter((p): p is number[] => p !== null);
  let best: FuzzyMatch | null = null;
  for (const positions of candidates) {
    const s = score(target, positions);
    if (!best || s > best.score) best = { score: s, positions };
  }
  return best;
}

/**
 * A greedy pass that prefers word starts: a run continues while it can, otherwise each query
 * character goes to the next word start that has it, else to its next occurrence.
 */
function atBoundaries(t: string, q: string, target: string): number[] | null {
  const positions: number[] = [];
  let i = 0;
  for (let j = 0; j < q.length; j++) {
    const c = q[j]!;
    const prev = positions[positions.length - 1];
    // Continue a run when possible.
    if (prev !== undefined && t[prev + 1] === c) {
      positions.push(prev + 1);
      i = prev + 2;
      continue;
    }
    let at = -1;
    for (let k = i; k < t.length; k++) {
      if (t[k] === c && isBoundary(target, k)) {
        at = k;
        break;
      }
    }
    if (at < 0) at = t.indexOf(c, i);
    if (at < 0) return null;
    positions.push(at);
    i = at + 1;
  }
  return positions;
}

/** `items` that match `query`, best first (stable among equals). */
export function fuzzyFilter<T>(
  query: string,
  items: readonly T[],
  text: (item: T) => string,
): Array<{ item: T; match: FuzzyMatch }> {
  const out: Array<{ item: T; match: FuzzyMatch; index: number }> = [];
  items.forEach((item, index) => {
    const match = fuzzyMatch(query, text(item));
    if (match) out.push({ item, match, index });
  });
  if (query.trim()) out.sort((a, b) => b.match.score - a.match.score || a.index - b.index);
  return out.map(({ item, match }) => ({ item, match }));
}
