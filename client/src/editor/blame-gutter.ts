/**
 * The blame gutter (issue 15, item 3): beside each line, the version that last changed it (short
 * sha, author, how long ago; the message on hover) or, for a line not in any version yet, who typed
 * it, in their colour. Runs are drawn as one block: the label on the first line, a coloured edge
 * on every line. The markers live in the editor state and map through every change, local or
 * remote, so they stay on their lines until the next answer from the server replaces them.
 */
import { type EditorState, type Extension, RangeSet, StateEffect, StateField } from '@codemirror/state';
import { EditorView, GutterMarker, gutter } from '@codemirror/view';

/** A run of lines (1-based, inclusive) with what to show for them. */
export interface BlameSpan {
  startLine: number;
  endLine: number;
  /** Shown on the run's first line: "a1b2c3d ana 3 min ago", or "Not saved · bo". */
  label: string;
  /** On hover: the version's message and time, or who typed. */
  title: string;
  /** The person's colour. */
  color: string;
  /** The version to open on click; null for uncommitted lines. */
  sha: string | null;
}

class BlameMarker extends GutterMarker {
  constructor(
    readonly span: BlameSpan,
    readonly first: boolean,
  ) {
    super();
  }

  override eq(other: GutterMarker): boolean {
    return other instanceof BlameMarker && other.span === this.span && other.first === this.first;
  }

  override toDOM(): Node {
    const el = document.createElement('div');
    el.className = `cm-blame-run${this.first ? ' cm-blame-first' : ''}${this.span.sha ? '' : ' cm-blame-live'}`;
    el.style.setProperty('--blame-color', this.span.color);
    el.title = this.span.title;
    el.dataset.testid = this.span.sha ? 'blame-run' : 'blame-live';
    if (this.span.sha) el.dataset.sha = this.span.sha;
    if (this.first) el.textContent = this.span.label;
    return el;
  }
}

/** Replaces the gutter's runs (null: none, the gutter is off). */
export const setBlame = StateEffect.define<BlameSpan[] | null>();

function build(state: EditorState, spans: readonly BlameSpan[]): RangeSet<GutterMarker> {
  const ranges = [];
  const lines = state.doc.lines;
  for (const span of spans) {
    for (let n = span.startLine; n <= Math.min(span.endLine, lines); n++) {
      ranges.push(new BlameMarker(span, n === span.startLine).range(state.doc.line(n).from));
    }
  }
  return RangeSet.of(ranges, true);
}

const blameField = StateField.define<RangeSet<GutterMarker>>({
  create: () => RangeSet.empty,
  update(markers, tr) {
    let next = markers.map(tr.changes);
    for (const e of tr.effects)
      if (e.is(setBlame)) next = e.value ? build(tr.state, e.value) : RangeSet.empty;
    return next;
  },
});

/** Whether `state` already has the blame gutter (it is added to a file's state the first time). */
export function hasBlameGutter(state: EditorState): boolean {
  return state.field(blameField, false) !== undefined;
}

/** The spans shown now (their sha and first line), for tests and the status of the toggle. */
export function blameMarkersAt(state: EditorState, pos: number): BlameSpan | null {
  let found: BlameSpan | null = null;
  state.field(blameField, false)?.between(pos, pos, (_from, _to, marker) => {
    found = (marker as BlameMarker).span;
    return false;
  });
  return found;
}

/** What the gutter tells its owner: a click on a version's run, and a change of the text. */
export interface BlameHandlers {
  open: (sha: string) => void;
  changed: () => void;
}

/** The current owner's handlers (one blame control per page); set with `setBlameHandlers`. */
let handlers: BlameHandlers = { open: () => {}, changed: () => {} };

/** Routes gutter clicks and text changes of every state with the gutter to `next`. */
export function setBlameHandlers(next: BlameHandlers): void {
  handlers = next;
}

let extension: Extension | null = null;

/**
 * The gutter, one extension for every file's state (added with `StateEffect.appendConfig` the first
 * time blame is shown in it). It calls the handlers set by `setBlameHandlers`.
 */
export function blameGutter(): Extension {
  extension ??= [
    blameField,
    gutter({
      class: 'cm-blame-gutter',
      markers: (view) => view.state.field(blameField),
      domEventHandlers: {
        click(view, line) {
          const span = blameMarkersAt(view.state, line.from);
          if (!span?.sha) return false;
          handlers.open(span.sha);
          return true;
        },
      },
    }),
    EditorView.updateListener.of((update) => {
      if (update.docChanged) handlers.changed();
    }),
    EditorView.baseTheme({
      '.cm-blame-gutter .cm-gutterElement': { padding: '0' },
      '.cm-blame-run': {
        boxSizing: 'border-box',
        width: '27ch',
        height: '100%',
        padding: '0 6px',
        borderLeft: '3px solid var(--blame-color)',
        overflow: 'hidden',
        whiteSpace: 'nowrap',
        textOverflow: 'ellipsis',
        fontSize: '11px',
        cursor: 'pointer',
      },
      '.cm-blame-first': { borderTop: '1px solid rgba(128, 128, 128, 0.25)' },
      '.cm-blame-live': {
        cursor: 'default',
        background: 'color-mix(in srgb, var(--blame-color) 22%, transparent)',
      },
    }),
  ];
  return extension;
}
