/**
 * The minimal op between two texts, used wherever the server turns a whole new text into an edit
 * (revert, restore, push, import, replace), so that typing elsewhere in the file survives it.
 * Pure: runs in the browser too.
 */
import { diffChars, diffLines } from 'diff';
import { type TextComponent, textEditOp } from './text-ops.js';

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
