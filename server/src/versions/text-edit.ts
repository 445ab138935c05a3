import { diffChars, diffLines } from 'diff';

/** A json0 string component on a file document's text. */
export type TextComponent = { p: ['text', number]; sd: string } | { p: ['text', number]; si: string };

/** Edit distance (lines, then characters in a changed hunk) past which a diff gives up. */
const MAX_LINE_EDITS = 5000;
const MAX_CHAR_EDITS = 500;

/**
 * A json0 op turning `from` into `to` that touches only what differs: a line diff, refined to
 * characters inside each changed hunk, as several `sd`/`si` components (applied in order). Text
 * that stays the same is never deleted and re-inserted, so an edit someone makes there
 * concurrently lands where they made it. Falls back to {@link textEditOp} past the diff's limits.
 * Hunk edges are line ends or whole code points, never inside a surrogate pair.
 */
export function textDiffOp(from: string, to: string): TextComponent[] {
  if (from === to) return [];
  const lines = diffLines(from, to, { maxEditLength: MAX_LINE_EDITS });
  if (!lines) return textEditOp(from, to);
  const op: TextComponent[] = [];
  let pos = 0;
  const remove = (text: string) => {
    if (text) op.push({ p: ['text', pos], sd: text });
  };
  const insert = (text: string) => {
    if (!text) return;
    op.push({ p: ['text', pos], si: text });
    pos += text.length;
  };
  for (let i = 0; i < lines.length; i++) {
    const part = lines[i]!;
    if (!part.added && !part.removed) {
      pos += part.value.length;
      continue;
    }
    const next = lines[i + 1];
    if (part.removed && next?.added) {
      // A changed hunk: keep the characters the two sides share.
      i++;
      const chars = diffChars(part.value, next.value, { maxEditLength: MAX_CHAR_EDITS });
      if (!chars) {
        remove(part.value);
        insert(next.value);
        continue;
      }
      for (const c of chars) {
        if (c.removed) remove(c.value);
        else if (c.added) insert(c.value);
        else pos += c.value.length;
      }
      continue;
    }
    if (part.removed) remove(part.value);
    else insert(part.value);
  }
  return op;
}

/**
 * The one json0 op that turns `from` into `to`: keep the common prefix and suffix, replace the
 * middle. Boundaries never fall inside a surrogate pair, so the op is valid for every client.
 */
export function textEditOp(from: string, to: string): TextComponent[] {
  if (from === to) return [];
  const max = Math.min(from.length, to.length);
  let start = 0;
  while (start < max && from.charCodeAt(start) === to.charCodeAt(start)) start++;
  // Do not end the prefix between a high and a low surrogate.
  if (start > 0 && isHigh(from.charCodeAt(start - 1))) start--;
  let end = 0;
  while (end < max - start && from.charCodeAt(from.length - 1 - end) === to.charCodeAt(to.length - 1 - end))
    end++;
  // Do not start the suffix on a low surrogate.
  if (end > 0 && isLow(from.charCodeAt(from.length - end))) end--;
  const removed = from.slice(start, from.length - end);
  const inserted = to.slice(start, to.length - end);
  const op: TextComponent[] = [];
  if (removed) op.push({ p: ['text', start], sd: removed });
  if (inserted) op.push({ p: ['text', start], si: inserted });
  return op;
}

const isHigh = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number) => c >= 0xdc00 && c <= 0xdfff;
