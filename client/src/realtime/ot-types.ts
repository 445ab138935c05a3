/**
 * ShareDB types as the client uses them. json0 has no `transformPresence`, without which ShareDB
 * refuses doc presence; the server gives its json0 the same transform (DESIGN.md, "Cursors"), so
 * both sides move cursors through ops identically.
 */
import { types } from 'sharedb/lib/client';
import { type CursorValue, transformCursor } from '../editor/cursor-transform';

/**
 * Adds cursor presence to json0 unless it has it already; idempotent. It patches the type object
 * in place rather than registering a copy: ShareDB's handshake insists that the type registered
 * under json0's URI is the very object it uses as `defaultType`.
 */
export function registerOtTypes(): void {
  const json0 = types.defaultType as typeof types.defaultType & { transformPresence?: unknown };
  if (typeof json0.transformPresence === 'function') return;
  json0.transformPresence = <T>(presence: T, op: unknown, isOwnOp: boolean): T =>
    transformCursor(presence as CursorValue | null, op as unknown[], isOwnOp) as T;
}
