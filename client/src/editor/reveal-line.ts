/** Puts the caret at the start of a line and scrolls it to the middle (links like `src/app.ts:42`). */
import type { EditorState, TransactionSpec } from '@codemirror/state';
import { EditorView } from '@codemirror/view';

/** The transaction that moves to `line` (1-based, clamped to the document). */
export function revealLine(state: EditorState, line: number): TransactionSpec {
  const number = Math.min(Math.max(1, Math.floor(line) || 1), state.doc.lines);
  const { from } = state.doc.line(number);
  return { selection: { anchor: from }, effects: EditorView.scrollIntoView(from, { y: 'center' }) };
}

/**
 * The transaction that selects a search match: `column` 1-based and `length` in UTF-16 code units
 * (what the search API answers), clamped to the line.
 */
export function revealMatch(
  state: EditorState,
  line: number,
  column: number,
  length: number,
): TransactionSpec {
  const number = Math.min(Math.max(1, Math.floor(line) || 1), state.doc.lines);
  const l = state.doc.line(number);
  const anchor = Math.min(l.to, l.from + Math.max(0, Math.floor(column) - 1 || 0));
  const head = Math.min(l.to, anchor + Math.max(0, Math.floor(length) || 0));
  return { selection: { anchor, head }, effects: EditorView.scrollIntoView(anchor, { y: 'center' }) };
}
