/** Puts the caret at the start of a line and scrolls it to the middle (links like `src/app.ts:42`). */
import type { EditorState, TransactionSpec } from '@codemirror/state';
import { EditorView } from '@codemirror/view';

/** The transaction that moves to `line` (1-based, clamped to the document). */
export function revealLine(state: EditorState, line: number): TransactionSpec {
  const number = Math.min(Math.max(1, Math.floor(line) || 1), state.doc.lines);
  const { from } = state.doc.line(number);
  return { selection: { anchor: from }, effects: EditorView.scrollIntoView(from, { y: 'center' }) };
}
