/**
 * One open file's editor: its CodeMirror state, ShareDB binding and cursor presence, alive for
 * as long as the file's tab is open. It is shown by attaching it to the page's one EditorView and
 * keeps following remote edits while hidden, so switching tabs keeps text, selection and undo
 * history exactly as they were.
 */
import { EditorState, type Extension, type Transaction, type TransactionSpec } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import type { Doc, Presence } from 'sharedb/lib/client';
import { type CursorValue, PresenceSync, remoteCursorsExtension } from './remote-cursors';
import { type BindingOptions, bindingExtensions, type EditorHost, ShareDBBinding } from './sharedb-binding';

export interface CollabEditorOptions extends BindingOptions {
  /** The doc's presence channel; without it no cursors are shared. */
  presence?: Presence<CursorValue | null>;
  /** Everything else the editor has (setup.ts), fixed for its lifetime. */
  extensions?: Extension;
  /** Called after every change of state (text, selection, effects), attached or not. */
  onUpdate?: (state: EditorState, transactions: readonly Transaction[]) => void;
}

export class CollabEditor implements EditorHost {
  private view: EditorView | null = null;
  private detachedState: EditorState;
  private readonly binding: ShareDBBinding;
  private readonly cursors: PresenceSync | null;

  /** Create it once the doc is loaded (subscribed), so it starts with the doc's text. */
  constructor(
    readonly doc: Doc,
    private readonly options: CollabEditorOptions = {},
  ) {
    const text = (doc.data as { text?: unknown } | undefined)?.text;
    this.detachedState = EditorState.create({
      doc: typeof text === 'string' ? text : '',
      extensions: [
        bindingExtensions(),
        remoteCursorsExtension(),
        // Lives in the state, so it follows the state into whichever view shows it.
        EditorView.updateListener.of((update) => this.afterTransactions(update.state, update.transactions)),
        options.extensions ?? [],
      ],
    });
    this.binding = new ShareDBBinding(doc, this, options);
    this.cursors = options.presence ? new PresenceSync(options.presence, this) : null;
  }

  get state(): EditorState {
    return this.view ? this.view.state : this.detachedState;
  }

  /** The view showing this editor, if any. */
  get attachedView(): EditorView | null {
    return this.view;
  }

  dispatch(spec: TransactionSpec | Transaction): void {
    if (this.view) {
      this.view.dispatch(spec as TransactionSpec);
      return;
    }
    const tr =
      'startState' in spec ? (spec as Transaction) : this.detachedState.update(spec as TransactionSpec);
    this.detachedState = tr.state;
    this.afterTransactions(tr.state, [tr]);
  }

  /** Shows this editor in `view` (replacing whatever state the view had). */
  attach(view: EditorView): void {
    if (this.view === view) return;
    this.detach();
    view.setState(this.detachedState);
    this.view = view;
  }

  /** Takes the editor out of its view; it keeps following the doc in the background. */
  detach(): void {
    if (!this.view) return;
    this.detachedState = this.view.state;
    this.view = null;
  }

  destroy(): void {
    this.detach();
    this.cursors?.destroy();
    this.binding.destroy();
  }

  private afterTransactions(state: EditorState, transactions: readonly Transaction[]): void {
    for (const tr of transactions) {
      this.binding.applied(tr);
      this.cursors?.applied(tr);
    }
    if (transactions.length > 0) this.options.onUpdate?.(state, transactions);
  }
}
