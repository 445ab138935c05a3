/**
 * Two-way binding between a CodeMirror state and the text of a json0 ShareDB document
 * (`{text}` edited with `si`/`sd` string ops; offsets are UTF-16 code units on both sides, so no
 * conversion is needed). Modelled on the ideas of @codemirror/collab, with ShareDB doing the
 * queueing, rebasing and resending of unconfirmed ops:
 *
 * - each local transaction becomes ONE op, submitted with this binding's own source marker;
 * - each remote op (and each rollback ShareDB applies) becomes ONE transaction annotated
 *   `Transaction.remote` and kept out of the undo history, so CodeMirror's `history()` is a
 *   per-user undo that maps through other people's edits;
 * - a `load` (first snapshot, hard rollback, re-created doc) replaces the text and resets history;
 * - once the file is deleted (its `del` op, or the server refusing one of our ops with
 *   ERR_FILE_DELETED) the binding lets go: the editor keeps its text, unconfirmed typing included,
 *   and edits stay local. Without that, the refetch after the refusal would overwrite the text.
 *
 * Framework-free: `ShareDBBinding` talks to an {@link EditorHost} (see collab-editor.ts, or a plain
 * state holder in tests) that feeds it every applied transaction.
 */
import { history } from '@codemirror/commands';
import {
  Annotation,
  ChangeSet,
  Compartment,
  EditorState,
  type Extension,
  type Text,
  Transaction,
  type TransactionSpec,
} from '@codemirror/state';
import type { Doc } from 'sharedb/lib/client';
import {
  isHighSurrogate as isHigh,
  isLowSurrogate as isLow,
  replacedMiddle,
  splitsSurrogatePair,
} from '../../../server/src/protocol/text-ops';

/** A json0 string component on the doc's text field. */
export type TextOpComponent = { p: [string, number]; si: string } | { p: [string, number]; sd: string };

/** What the binding needs from an editor: its current state and a way to change it. */
export interface EditorHost {
  readonly state: EditorState;
  dispatch(spec: TransactionSpec): void;
}

/** An error as ShareDB reports it: our own server's `ERR_*` codes or ShareDB's. */
export interface OpError {
  code?: string | number;
  message: string;
}

export interface BindingOptions {
  /** The string field of the doc's data holding the text. */
  field?: string;
  /** Called with errors ShareDB reports for our submissions (the doc is resynced already). */
  onError?: (error: OpError) => void;
  /**
   * Called once when the document is deleted under us (the file was deleted). From then on the
   * editor's text is a local copy: the binding no longer submits or replaces it.
   */
  onDeleted?: () => void;
}

/** Codes meaning our op was refused because the document is gone: ours, and ShareDB's own. */
const DELETED_CODES = new Set(['ERR_FILE_DELETED', 'ERR_DOC_WAS_DELETED', 'ERR_DOC_DOES_NOT_EXIST']);

/** Whether an op error means the document was deleted (the text lives on in the editor). */
export function isDeletedError(error: { code?: unknown } | null | undefined): boolean {
  return typeof error?.code === 'string' && DELETED_CODES.has(error.code);
}

/** A message the connection received, as its `receive` event hands it over. */
interface Received {
  data?: { a?: unknown; c?: unknown; d?: unknown; error?: { code?: unknown } };
}

/** Marks the transactions the binding dispatched itself, so they are not sent back. */
const fromShareDB = Annotation.define<boolean>();

/**
 * History lives in a compartment the binding owns: resetting it (after a load replaced the text)
 * means removing the history field and adding it back, which CodeMirror has no other API for.
 */
const historyCompartment = new Compartment();

/** Undo history that the binding can reset. Use it instead of a plain `history()`. */
export function resettableHistory(): Extension {
  return historyCompartment.of(history());
}

/** Whether `pos` falls between the two halves of a surrogate pair in `doc`. */
function splitsPair(doc: Text, pos: number): boolean {
  if (pos <= 0 || pos >= doc.length) return false;
  return splitsSurrogatePair(doc.sliceString(pos - 1, pos + 1), 1);
}

/**
 * Converts a CodeMirror change set into json0 components, applied in order. Change ranges are
 * widened so no offset lands inside a surrogate pair and no `si`/`sd` starts or ends with half
 * of one: the server rejects such ops, since half a pair becomes U+FFFD in UTF-8 and the text
 * would differ between clients and git.
 */
export function changesToOp(
  changes: ChangeSet,
  before: Text,
  after: Text,
  field = 'text',
): TextOpComponent[] {
  const ranges: { fromA: number; toA: number; fromB: number; toB: number }[] = [];
  changes.iterChangedRanges((fromA, toA, fromB, toB) => {
    while (splitsPair(before, fromA) || splitsPair(after, fromB)) {
      fromA--;
      fromB--;
    }
    while (splitsPair(before, toA) || splitsPair(after, toB)) {
      toA++;
      toB++;
    }
    const last = ranges[ranges.length - 1];
    // Widening can make neighbouring ranges touch; they then form one replacement.
    if (last && fromA <= last.toA) {
      last.toA = toA;
      last.toB = toB;
    } else {
      ranges.push({ fromA, toA, fromB, toB });
    }
  });
  const op: TextOpComponent[] = [];
  for (const { fromA, toA, fromB, toB } of ranges) {
    // Everything before `fromB` is already new text, so `fromB` is the offset at this point of
    // the op, whose components apply one after another.
    if (toA > fromA) op.push({ p: [field, fromB], sd: before.sliceString(fromA, toA) });
    if (toB > fromB) op.push({ p: [field, fromB], si: after.sliceString(fromB, toB) });
  }
  return op;
}

/**
 * Converts a json0 op into one change set on a document of `length`, or null when the op does
 * something to the text other than string inserts and deletes (replacing it wholesale), in which
 * case the caller resyncs from the snapshot. Components on other fields are ignored.
 */
export function opToChanges(op: readonly unknown[], length: number, field = 'text'): ChangeSet | null {
  let changes = ChangeSet.empty(length);
  for (const raw of op) {
    const component = raw as { p?: unknown[]; si?: unknown; sd?: unknown };
    const path = component.p;
    if (!Array.isArray(path)) return null;
    if (path.length === 0 || (path[0] === field && path.length === 1)) return null;
    if (path[0] !== field) continue;
    const offset = path[1];
    if (path.length !== 2 || typeof offset !== 'number') return null;
    const len = changes.newLength;
    let step: ChangeSet;
    if (typeof component.si === 'string') {
      if (offset > len) return null;
      step = ChangeSet.of({ from: offset, insert: component.si }, len);
    } else if (typeof component.sd === 'string') {
      if (offset + component.sd.length > len) return null;
      step = ChangeSet.of({ from: offset, to: offset + component.sd.length }, len);
    } else {
      return null;
    }
    changes = changes.compose(step);
  }
  return changes;
}

/** The smallest single replacement turning `from` into `to` (keeps cursors outside it in place). */
function diffReplace(from: string, to: string): { from: number; to: number; insert: string } | null {
  const middle = replacedMiddle(from, to);
  if (!middle) return null;
  const { start, end } = middle;
  return { from: start, to: from.length - end, insert: to.slice(start, to.length - end) };
}

/** Connects one editor to one ShareDB doc. Create it with the editor already showing the doc's text. */
export class ShareDBBinding {
  /** Identifies our own ops among the doc's `op batch` events (other bindings have their own). */
  private readonly source = { binding: true };
  private readonly field: string;
  private destroyed = false;
  /** The document was deleted: the editor's text is a local copy from now on. */
  private deleted = false;

  constructor(
    private readonly doc: Doc,
    private readonly host: EditorHost,
    private readonly options: BindingOptions = {},
  ) {
    this.field = options.field ?? 'text';
    doc.on('op batch', this.onOpBatch);
    doc.on('load', this.onLoad);
    doc.on('create', this.onLoad);
    doc.on('del', this.onDel);
    doc.connection.on('receive', this.onReceive);
  }

  /** Whether the document was deleted and the editor holds the only copy of its text. */
  get orphaned(): boolean {
    return this.deleted;
  }

  /** Feed every transaction the editor applied here; local text changes become one op. */
  applied(tr: Transaction): void {
    if (this.destroyed || this.deleted || !tr.docChanged || tr.annotation(fromShareDB)) return;
    // During a hard rollback the doc has no type until the refetch lands; that `load` replaces
    // the text, so an edit made in this window is dropped with the unconfirmed ones.
    if (!this.doc.type) return;
    const op = changesToOp(tr.changes, tr.startState.doc, tr.state.doc, this.field);
    if (op.length === 0) return;
    try {
      this.doc.submitOp(op, { source: this.source }, (error) => {
        if (!error) return;
        if (isDeletedError(error)) this.markDeleted();
        else this.options.onError?.(error);
      });
    } catch (error) {
      this.options.onError?.(error as OpError);
    }
    this.checkInSync();
  }

  /** The doc's current text ('' before it is loaded). */
  docText(): string {
    const data = this.doc.data as Record<string, unknown> | undefined;
    const text = data?.[this.field];
    return typeof text === 'string' ? text : '';
  }

  /** Replaces the editor's text with the doc's and starts a fresh undo history. */
  resync(): void {
    // Without a type the doc is mid hard-rollback: its `load` will bring the text.
    if (this.destroyed || this.deleted || !this.doc.type) return;
    const replace = diffReplace(this.host.state.doc.toString(), this.docText());
    this.host.dispatch({
      changes: replace ?? [],
      effects: historyCompartment.reconfigure([]),
      annotations: [fromShareDB.of(true), Transaction.remote.of(true), Transaction.addToHistory.of(false)],
    });
    this.host.dispatch({
      effects: historyCompartment.reconfigure(history()),
      annotations: fromShareDB.of(true),
    });
  }

  destroy(): void {
    this.destroyed = true;
    this.doc.off('op batch', this.onOpBatch);
    this.doc.off('load', this.onLoad);
    this.doc.off('create', this.onLoad);
    this.doc.off('del', this.onDel);
    this.doc.connection.off('receive', this.onReceive);
  }

  private readonly onOpBatch = (op: unknown[], source: unknown) => {
    if (this.destroyed || this.deleted || source === this.source) return;
    const changes = opToChanges(op, this.host.state.doc.length, this.field);
    if (!changes) return this.resync();
    if (changes.empty) return;
    this.host.dispatch({
      changes,
      annotations: [fromShareDB.of(true), Transaction.remote.of(true), Transaction.addToHistory.of(false)],
    });
    this.checkInSync();
  };

  private readonly onLoad = () => {
    if (!this.destroyed && this.doc.type) this.resync();
  };

  private readonly onDel = () => this.markDeleted();

  /**
   * The server's refusal of our op arrives before ShareDB's hard rollback refetches the doc (and
   * emits `load`, which would replace the text): seeing it here keeps the typing that was refused.
   */
  private readonly onReceive = (request: Received) => {
    const m = request.data;
    if (m?.a === 'op' && m.c === this.doc.collection && m.d === this.doc.id && isDeletedError(m.error)) {
      this.markDeleted();
    }
  };

  private markDeleted(): void {
    if (this.destroyed || this.deleted) return;
    this.deleted = true;
    this.options.onDeleted?.();
  }

  /** A cheap guard against drift (a bug, or an op we misread): lengths must always agree. */
  private checkInSync(): void {
    if (!this.doc.type) return;
    if (this.host.state.doc.length !== this.docText().length) this.resync();
  }
}

/**
 * Replaces lone surrogate halves around a local change with U+FFFD, so the text we submit is
 * always well-formed (the server rejects ops carrying a lone half). Input methods and programmatic
 * edits can delete or insert half a pair; cursor motion never does.
 */
const wellFormedText = EditorState.transactionFilter.of((tr) => {
  if (!tr.docChanged || tr.annotation(fromShareDB)) return tr;
  const fixes: { from: number; to: number; insert: string }[] = [];
  const doc = tr.newDoc;
  tr.changes.iterChangedRanges((_fromA, _toA, fromB, toB) => {
    const start = Math.max(0, fromB - 1);
    const end = Math.min(doc.length, toB + 1);
    const slice = doc.sliceString(start, end);
    for (let i = 0; i < slice.length; i++) {
      const code = slice.charCodeAt(i);
      const pos = start + i;
      if (isHigh(code)) {
        const next = pos + 1 < doc.length ? doc.sliceString(pos + 1, pos + 2).charCodeAt(0) : 0;
        if (isLow(next)) i++;
        else if (!fixes.some((f) => f.from === pos)) fixes.push({ from: pos, to: pos + 1, insert: '\ufffd' });
      } else if (isLow(code)) {
        const prev = pos > 0 ? doc.sliceString(pos - 1, pos).charCodeAt(0) : 0;
        if (!isHigh(prev) && !fixes.some((f) => f.from === pos)) {
          fixes.push({ from: pos, to: pos + 1, insert: '\ufffd' });
        }
      }
    }
  });
  if (fixes.length === 0) return tr;
  fixes.sort((a, b) => a.from - b.from);
  return [tr, { changes: fixes, sequential: true }];
});

/** State extensions every bound editor needs: resettable history and well-formed text. */
export function bindingExtensions(): Extension {
  return [resettableHistory(), wellFormedText];
}
