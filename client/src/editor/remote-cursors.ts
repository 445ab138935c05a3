/**
 * Other people's cursors and selections, drawn in each user's colour with a name flag that fades
 * when they stop moving. Positions come from ShareDB doc presence (`{anchor, head}` plus the
 * server-stamped `user`), live in a StateField, and map through every change in between.
 */
import { type EditorState, type Extension, StateEffect, StateField, Transaction } from '@codemirror/state';
import { Decoration, type DecorationSet, EditorView, WidgetType } from '@codemirror/view';
import type { LocalPresence, Presence } from 'sharedb/lib/client';
import type { EditorHost } from './sharedb-binding';

/** Who a cursor belongs to; the server stamps it on every presence value, so it cannot be spoofed. */
export interface RemoteUser {
  userId: string;
  username: string;
  displayName: string;
  color: string;
}

/**
 * The presence value of one editor on a file doc. ShareDB moves it through ops with the type's
 * `transformPresence` (server/src/protocol/text-ops.ts, registered in realtime/ot-types.ts).
 */
export interface CursorValue {
  anchor: number;
  head: number;
  /** Added by the server to values it relays; absent on what we submit. */
  user?: RemoteUser;
}

export interface RemoteCursor {
  /** The ShareDB presence id (one per editor, so one user may have several). */
  id: string;
  anchor: number;
  head: number;
  user: RemoteUser;
  /** When this cursor last moved on its owner's side (ms); restarts the flag's fade. */
  movedAt: number;
}

/** Adds or moves a remote cursor. */
export const setRemoteCursor = StateEffect.define<RemoteCursor>({
  map: (cursor, mapping) => ({
    ...cursor,
    anchor: mapping.mapPos(cursor.anchor),
    head: mapping.mapPos(cursor.head),
  }),
});
/** Removes a remote cursor by presence id. */
export const removeRemoteCursor = StateEffect.define<string>();

const clamp = (pos: number, length: number) => Math.max(0, Math.min(length, Math.floor(pos)));

/** Remote cursors by presence id, kept mapped through every change to the document. */
export const remoteCursorField = StateField.define<ReadonlyMap<string, RemoteCursor>>({
  create: () => new Map(),
  update(cursors, tr: Transaction) {
    let next: Map<string, RemoteCursor> | null = null;
    if (tr.docChanged && cursors.size > 0) {
      next = new Map();
      for (const [id, cursor] of cursors) {
        // A remote caret stays before text inserted at its position: the owner's own typing
        // arrives with a fresh presence value right after the op.
        next.set(id, {
          ...cursor,
          anchor: tr.changes.mapPos(cursor.anchor, -1),
          head: tr.changes.mapPos(cursor.head, -1),
        });
      }
    }
    for (const effect of tr.effects) {
      if (effect.is(setRemoteCursor)) {
        next ??= new Map(cursors);
        const length = tr.newDoc.length;
        next.set(effect.value.id, {
          ...effect.value,
          anchor: clamp(effect.value.anchor, length),
          head: clamp(effect.value.head, length),
        });
      } else if (effect.is(removeRemoteCursor)) {
        next ??= new Map(cursors);
        next.delete(effect.value);
      }
    }
    return next ?? cursors;
  },
  provide: (field) => EditorView.decorations.from(field, cursorDecorations),
});

/** The remote cursors currently in `state` (empty without the extension). */
export function remoteCursors(state: EditorState): RemoteCursor[] {
  return [...(state.field(remoteCursorField, false)?.values() ?? [])];
}

/** Only colours we generate reach CSS; anything else falls back to grey. */
function safeColor(color: string): string {
  return /^#[0-9a-f]{3,8}$/i.test(color) || /^hsl\([\d.\s%,]+\)$/i.test(color) ? color : '#888888';
}

class CaretWidget extends WidgetType {
  constructor(
    readonly name: string,
    readonly color: string,
    readonly movedAt: number,
  ) {
    super();
  }

  override eq(other: CaretWidget): boolean {
    // A new `movedAt` re-creates the element, which restarts the flag's fade animation.
    return other.name === this.name && other.color === this.color && other.movedAt === this.movedAt;
  }

  toDOM(): HTMLElement {
    const caret = document.createElement('span');
    caret.className = 'cm-remote-caret';
    caret.style.borderColor = this.color;
    caret.setAttribute('aria-hidden', 'true');
    const flag = document.createElement('span');
    flag.className = 'cm-remote-flag';
    flag.style.backgroundColor = this.color;
    flag.textContent = this.name;
    caret.appendChild(flag);
    return caret;
  }

  override ignoreEvent(): boolean {
    return true;
  }
}

function cursorDecorations(cursors: ReadonlyMap<string, RemoteCursor>): DecorationSet {
  const ranges = [];
  for (const cursor of cursors.values()) {
    const color = safeColor(cursor.user.color);
    const from = Math.min(cursor.anchor, cursor.head);
    const to = Math.max(cursor.anchor, cursor.head);
    if (from < to) {
      ranges.push(
        Decoration.mark({
          class: 'cm-remote-selection',
          attributes: { style: `background-color: color-mix(in srgb, ${color} 25%, transparent)` },
        }).range(from, to),
      );
    }
    ranges.push(
      Decoration.widget({
        widget: new CaretWidget(cursor.user.displayName, color, cursor.movedAt),
        side: 1,
      }).range(cursor.head),
    );
  }
  return Decoration.set(ranges, true);
}

const cursorTheme = EditorView.baseTheme({
  '.cm-remote-caret': {
    position: 'relative',
    borderLeft: '2px solid',
    marginLeft: '-1px',
    marginRight: '-1px',
    pointerEvents: 'auto',
  },
  '.cm-remote-flag': {
    position: 'absolute',
    bottom: '100%',
    left: '-2px',
    padding: '0 4px',
    borderRadius: '3px 3px 3px 0',
    color: '#fff',
    fontSize: '11px',
    lineHeight: '16px',
    fontFamily: 'system-ui, sans-serif',
    whiteSpace: 'nowrap',
    pointerEvents: 'none',
    zIndex: '10',
    animation: 'cm-remote-flag-fade 0.4s ease 2.5s forwards',
  },
  // Above the first line there is no room: the flag hangs below the caret instead.
  '.cm-line:first-child .cm-remote-flag': { bottom: 'auto', top: '100%', borderRadius: '0 3px 3px 3px' },
  // Hovering the caret brings an idle flag back.
  '.cm-remote-caret:hover .cm-remote-flag': { animation: 'none', opacity: '1' },
  '@keyframes cm-remote-flag-fade': { from: { opacity: '1' }, to: { opacity: '0' } },
});

/** The field and its drawing; a {@link PresenceSync} fills it. */
export function remoteCursorsExtension(): Extension {
  return [remoteCursorField, cursorTheme];
}

export interface PresenceSyncOptions {
  /** Coalesce local cursor moves to at most one presence message per this many ms. */
  throttleMs?: number;
  /** Clock, replaceable in tests. */
  now?: () => number;
}

/**
 * Connects a ShareDB doc presence to an editor: remote values become cursor effects, local
 * selection moves are submitted (throttled). Remote values are read in a microtask because
 * ShareDB updates them on the doc's `op` event, before the binding has applied that op.
 */
export class PresenceSync {
  private readonly local: LocalPresence<CursorValue | null>;
  private readonly dirty = new Set<string>();
  private flushQueued = false;
  private submitTimer: ReturnType<typeof setTimeout> | null = null;
  private lastSent: { anchor: number; head: number } | null = null;
  private destroyed = false;
  private readonly throttleMs: number;
  private readonly now: () => number;

  constructor(
    private readonly presence: Presence<CursorValue | null>,
    private readonly host: EditorHost,
    options: PresenceSyncOptions = {},
  ) {
    this.throttleMs = options.throttleMs ?? 50;
    this.now = options.now ?? Date.now;
    presence.on('receive', this.onReceive);
    presence.subscribe((error) => {
      if (error) console.warn('presence subscribe failed', error);
    });
    this.local = presence.create();
    for (const id of Object.keys(presence.remotePresences)) this.onReceive(id);
    this.scheduleSubmit();
  }

  /** Feed every transaction the editor applied here. */
  applied(tr: Transaction): void {
    if (this.destroyed || (!tr.selection && !tr.docChanged)) return;
    if (tr.docChanged && this.lastSent) {
      // Peers move our last sent cursor through each op the way `transformCursor` does: past
      // our own insertions, before other people's. Track the same, so mere typing sends nothing.
      const assoc = tr.annotation(Transaction.remote) ? -1 : 1;
      this.lastSent = {
        anchor: tr.changes.mapPos(this.lastSent.anchor, assoc),
        head: tr.changes.mapPos(this.lastSent.head, assoc),
      };
    }
    this.scheduleSubmit();
  }

  /** Sends the local cursor now (used after (re)loading the doc). */
  submitNow(): void {
    if (this.submitTimer) clearTimeout(this.submitTimer);
    this.submitTimer = null;
    if (this.destroyed) return;
    const { anchor, head } = this.host.state.selection.main;
    // Positions that only moved with the text need no message: every peer maps them the same way.
    if (this.lastSent && this.lastSent.anchor === anchor && this.lastSent.head === head) return;
    this.lastSent = { anchor, head };
    this.local.submit({ anchor, head }, (error) => {
      // Usually "doc not loaded yet" or a hard rollback; the next move or load sends again.
      if (error) this.lastSent = null;
    });
  }

  destroy(): void {
    this.destroyed = true;
    if (this.submitTimer) clearTimeout(this.submitTimer);
    this.presence.off('receive', this.onReceive);
    this.local.destroy(() => undefined);
  }

  private scheduleSubmit(): void {
    if (this.submitTimer || this.destroyed) return;
    this.submitTimer = setTimeout(() => this.submitNow(), this.throttleMs);
  }

  private readonly onReceive = (id: string) => {
    this.dirty.add(id);
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(this.flush);
  };

  private readonly flush = () => {
    this.flushQueued = false;
    if (this.destroyed) return;
    const current = this.host.state.field(remoteCursorField, false);
    const effects = [];
    for (const id of this.dirty) {
      const value = this.presence.remotePresences[id];
      if (value && typeof value.anchor === 'number' && typeof value.head === 'number' && value.user) {
        const before = current?.get(id);
        const moved = !before || before.anchor !== value.anchor || before.head !== value.head;
        effects.push(
          setRemoteCursor.of({
            id,
            anchor: value.anchor,
            head: value.head,
            user: value.user,
            movedAt: moved || !before ? this.now() : before.movedAt,
          }),
        );
      } else if (current?.has(id)) {
        effects.push(removeRemoteCursor.of(id));
      }
    }
    this.dirty.clear();
    if (effects.length > 0) this.host.dispatch({ effects });
  };
}
