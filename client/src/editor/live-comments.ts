/**
 * Comment threads on the live text, in the editor: a highlight over each open thread's range and
 * a marker in a gutter of its own on the thread's first line (Overleaf-style). Positions live in
 * a StateField and are mapped through every change the editor applies, its own and the remote
 * ones the ShareDB binding dispatches, so markers move at once for everyone; the server moves
 * the stored anchors through the same ops (server/src/comments/service.ts).
 *
 * Clicking a marker dispatches a `gitpad:comment-open` DOM event (detail: `{ ids }`) from the
 * editor, bubbling, for whoever shows the threads.
 */
import { type EditorState, type Extension, RangeSet, StateEffect, StateField } from '@codemirror/state';
import { Decoration, type DecorationSet, EditorView, GutterMarker, gutter } from '@codemirror/view';

/** One thread as the editor shows it. */
export interface CommentMark {
  id: string;
  from: number;
  to: number;
  resolved: boolean;
}

/** Replaces the threads shown (positions in the editor's current text). */
export const setCommentMarks = StateEffect.define<CommentMark[]>();
/** Adds or replaces one thread. */
export const putCommentMark = StateEffect.define<CommentMark>();
/** Removes one thread. */
export const removeCommentMark = StateEffect.define<string>();

/** The DOM event a marker click sends. */
export const COMMENT_OPEN_EVENT = 'gitpad:comment-open';

const marksField = StateField.define<readonly CommentMark[]>({
  create: () => [],
  update(marks, tr) {
    let next = marks;
    if (tr.docChanged) {
      // The start moves with text typed at it (it stays outside), the end stays before text typed there.
      next = next.map((m) => {
        const from = tr.changes.mapPos(m.from, 1);
        const to = Math.max(from, tr.changes.mapPos(m.to, -1));
        return from === m.from && to === m.to ? m : { ...m, from, to };
      });
    }
    for (const e of tr.effects) {
      const size = tr.state.doc.length;
      const clamp = (m: CommentMark) => ({ ...m, from: Math.min(m.from, size), to: Math.min(m.to, size) });
      if (e.is(setCommentMarks)) next = e.value.map(clamp);
      else if (e.is(putCommentMark)) next = [...next.filter((m) => m.id !== e.value.id), clamp(e.value)];
      else if (e.is(removeCommentMark)) next = next.filter((m) => m.id !== e.value);
    }
    return next;
  },
});

/** The threads the editor shows now, positions in its current text. */
export function commentMarks(state: EditorState): readonly CommentMark[] {
  return state.field(marksField, false) ?? [];
}

const highlight = Decoration.mark({
  class: 'cm-live-comment',
  attributes: { 'data-testid': 'comment-range' },
});

const highlights = EditorView.decorations.compute([marksField], (state): DecorationSet => {
  const ranges = commentMarks(state)
    .filter((m) => !m.resolved && m.to > m.from)
    .map((m) => highlight.range(m.from, m.to));
  return Decoration.set(ranges, true);
});

class CommentMarker extends GutterMarker {
  constructor(
    readonly ids: readonly string[],
    readonly line: number,
  ) {
    super();
  }
  override eq(other: CommentMarker): boolean {
    return other.line === this.line && other.ids.join() === this.ids.join();
  }
  override toDOM(view: EditorView): Node {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'cm-comment-marker';
    button.textContent = this.ids.length > 1 ? String(this.ids.length) : '💬';
    // The gutter's width spacer (line 0) is no marker.
    if (this.line > 0) button.setAttribute('data-testid', 'comment-marker');
    button.setAttribute('data-line', String(this.line));
    button.setAttribute(
      'aria-label',
      this.ids.length > 1
        ? `${this.ids.length} comments on line ${this.line}`
        : `Comment on line ${this.line}`,
    );
    button.addEventListener('mousedown', (event) => event.preventDefault());
    button.addEventListener('click', () =>
      view.dom.dispatchEvent(
        new CustomEvent(COMMENT_OPEN_EVENT, { bubbles: true, detail: { ids: this.ids } }),
      ),
    );
    return button;
  }
}

const markers = gutter({
  class: 'cm-comment-gutter',
  markers: (view) => {
    const byLine = new Map<number, { from: number; ids: string[] }>();
    for (const m of commentMarks(view.state)) {
      if (m.resolved) continue;
      const line = view.state.doc.lineAt(m.from);
      const entry = byLine.get(line.number) ?? { from: line.from, ids: [] };
      entry.ids.push(m.id);
      byLine.set(line.number, entry);
    }
    const sorted = [...byLine.entries()].sort((a, b) => a[0] - b[0]);
    return RangeSet.of(sorted.map(([n, e]) => new CommentMarker(e.ids, n).range(e.from)));
  },
  lineMarkerChange: (update) =>
    update.startState.field(marksField, false) !== update.state.field(marksField, false),
  initialSpacer: () => new CommentMarker(['x'], 0),
});

const theme = EditorView.baseTheme({
  '.cm-live-comment': {
    backgroundColor: 'rgb(250 200 60 / 0.25)',
    borderBottom: '2px solid rgb(230 170 20)',
  },
  '.cm-comment-gutter .cm-gutterElement': { padding: '0 2px' },
  '.cm-comment-marker': {
    border: 'none',
    background: 'transparent',
    cursor: 'pointer',
    padding: '0',
    font: 'inherit',
    fontSize: '11px',
    lineHeight: 'inherit',
  },
});

/** The editor extension: the field, the highlight, the gutter. */
export function liveComments(): Extension {
  return [marksField, highlights, markers, theme];
}
