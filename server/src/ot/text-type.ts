/**
 * The server's json0: the presence-aware json0 every party registers (protocol/text-ops.ts),
 * whose `apply` also edits a ChunkedText in place. Only the server's own snapshots ever hold a
 * ChunkedText (the `apply` middleware converts large texts); anything arriving over the wire or
 * through an in-process connection is a plain string and takes json0's own path, so results are
 * identical either way.
 */
import { isTextComponent, registerTextType, type TextComponent } from '../protocol/text-ops.js';
import { ChunkedText } from '../storage/embedded/chunked-text.js';

type Side = 'left' | 'right';

interface Json0Like {
  name: string;
  uri: string;
  apply(data: unknown, op: unknown): unknown;
  transform(op: unknown, otherOp: unknown, side: Side): unknown;
}

interface TypesModule {
  defaultType: Json0Like;
  map: Record<string, Json0Like>;
  register(type: { name: string; uri: string }): void;
}

const INSTALLED = Symbol.for('gitpad.chunkedApply');

/**
 * json0's transform of one text component by one other (what ShareDB does for each op a submit
 * is behind, almost always one component each), computed directly: json0 gets there by cloning
 * both components, converting them to text0 and back and composing the pieces, which is most of
 * the server's work when fifty people type into one file. Same results, piece for piece (a test
 * checks it against json0 itself); undefined hands the case to json0 (empty strings, deletes that
 * disagree about the text they overlap on).
 */
export function transformTextComponent(
  c: TextComponent,
  other: TextComponent,
  side: Side,
): TextComponent[] | undefined {
  const at = c.p[1];
  const otherAt = other.p[1];
  if ('si' in c) {
    if (c.si === '') return undefined;
    return [{ p: ['text', shift(at, other, side === 'right')], si: c.si }];
  }
  const d = c.sd;
  if (d === '') return undefined;
  if ('si' in other) {
    // A delete around an insert is split in two, leaving the inserted text in place (the pieces
    // apply in turn: the second starts right after the insert).
    const inserted = other.si.length;
    if (inserted === 0) return undefined;
    if (otherAt <= at) return [{ p: ['text', at + inserted], sd: d }];
    if (otherAt >= at + d.length) return [{ p: ['text', at], sd: d }];
    return [
      { p: ['text', at], sd: d.slice(0, otherAt - at) },
      { p: ['text', at + inserted], sd: d.slice(otherAt - at) },
    ];
  }
  const otherD = other.sd;
  if (otherD === '') return undefined;
  const otherEnd = otherAt + otherD.length;
  if (at >= otherEnd) return [{ p: ['text', at - otherD.length], sd: d }];
  if (at + d.length <= otherAt) return [{ p: ['text', at], sd: d }];
  // Overlapping deletes: what the other one already removed is not removed again.
  const from = Math.max(at, otherAt);
  const to = Math.min(at + d.length, otherEnd);
  if (d.slice(from - at, to - at) !== otherD.slice(from - otherAt, to - otherAt)) return undefined;
  const rest =
    (at < otherAt ? d.slice(0, otherAt - at) : '') + (at + d.length > otherEnd ? d.slice(otherEnd - at) : '');
  return rest === '' ? [] : [{ p: ['text', shift(at, other, false)], sd: rest }];
}

/** text0's transformPosition: where `offset` ends up after `c`. */
function shift(offset: number, c: TextComponent, insertAfter: boolean): number {
  const at = c.p[1];
  if ('si' in c) return at < offset || (at === offset && insertAfter) ? offset + c.si.length : offset;
  if (offset <= at) return offset;
  return offset <= at + c.sd.length ? at : offset - c.sd.length;
}

export function registerServerTextType(types: TypesModule): void {
  registerTextType(types);
  const type = types.defaultType as Json0Like & { [INSTALLED]?: true };
  if (type[INSTALLED]) return;
  const plainApply = type.apply.bind(type);
  const plainTransform = type.transform.bind(type);
  type.transform = (op: unknown, otherOp: unknown, side: Side) => {
    if (
      Array.isArray(op) &&
      Array.isArray(otherOp) &&
      op.length === 1 &&
      otherOp.length === 1 &&
      (side === 'left' || side === 'right') &&
      isTextComponent(op[0]) &&
      isTextComponent(otherOp[0])
    ) {
      const fast = transformTextComponent(op[0], otherOp[0], side);
      if (fast) return fast;
    }
    return plainTransform(op, otherOp, side);
  };
  type.apply = (data: unknown, op: unknown) => {
    const text = (data as { text?: unknown } | null)?.text;
    if (!(text instanceof ChunkedText)) return plainApply(data, op);
    if (Array.isArray(op) && op.every(isTextComponent)) {
      // The same checks json0 makes, then the edit in place.
      for (const c of op as TextComponent[]) {
        if ('si' in c) text.insert(c.p[1], c.si);
        else text.delete(c.p[1], c.sd);
      }
      return data;
    }
    return plainApply({ ...(data as object), text: text.toJSON() }, op);
  };
  type[INSTALLED] = true;
}
