/**
 * Cursor presence values and how they move through json0 text ops. Pure, and small enough to be
 * shared by the OT type registration without pulling in the editor.
 */

/** Who a cursor belongs to; stamped by the server on every presence value, so it cannot be spoofed. */
export interface RemoteUser {
  userId: string;
  username?: string;
  displayName: string;
  color: string;
}

/** The value each client submits as its presence on a file doc. */
export interface CursorValue {
  anchor: number;
  head: number;
  /** Added by the server to values it relays; absent on what we submit. */
  user?: RemoteUser;
}

/**
 * Transforms a cursor presence value through a json0 op on the text field (ShareDB calls this as
 * the type's `transformPresence`). `isOwnOp` means the cursor's owner made the op: their caret
 * then moves past their own insertion, while anyone else's caret stays before it.
 */
export function transformCursor<T extends CursorValue>(
  value: T | null,
  op: readonly unknown[],
  isOwnOp: boolean,
  field = 'text',
): T | null {
  if (!value || typeof value.anchor !== 'number' || typeof value.head !== 'number') return value;
  let { anchor, head } = value;
  for (const raw of op) {
    const component = raw as { p?: unknown[]; si?: unknown; sd?: unknown };
    const path = component.p;
    if (!Array.isArray(path)) continue;
    // The whole text (or document) was replaced: the old position means nothing any more.
    if (path.length === 0 || (path.length === 1 && path[0] === field)) return null;
    const offset = path[1];
    if (path[0] !== field || path.length !== 2 || typeof offset !== 'number') continue;
    if (typeof component.si === 'string') {
      const len = component.si.length;
      const map = (pos: number) => (pos > offset || (pos === offset && isOwnOp) ? pos + len : pos);
      anchor = map(anchor);
      head = map(head);
    } else if (typeof component.sd === 'string') {
      const end = offset + component.sd.length;
      const map = (pos: number) => (pos <= offset ? pos : pos >= end ? pos - (end - offset) : offset);
      anchor = map(anchor);
      head = map(head);
    }
  }
  return { ...value, anchor, head };
}
