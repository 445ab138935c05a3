/**
 * Pure helpers for the text ops of file documents (json0 string components at ['text', offset],
 * offsets in UTF-16 code units) and for moving cursors through them. Shared by the server's OT
 * type, its op validation, and the browser client. No imports, no Node APIs.
 */

/** One json0 string component on a file document. */
export type TextComponent = { p: ['text', number]; si: string } | { p: ['text', number]; sd: string };

/** A cursor or selection: UTF-16 offsets into the document text. */
export interface TextSelection {
  anchor: number;
  head: number;
}

function isTextPath(p: unknown): p is ['text', number] {
  return (
    Array.isArray(p) &&
    p.length === 2 &&
    p[0] === 'text' &&
    Number.isSafeInteger(p[1]) &&
    (p[1] as number) >= 0
  );
}

/** Whether `c` is a well-formed string insert or delete at ['text', offset] (and nothing else). */
export function isTextComponent(c: unknown): c is TextComponent {
  if (typeof c !== 'object' || c === null || Array.isArray(c)) return false;
  const keys = Object.keys(c);
  if (keys.length !== 2 || !isTextPath((c as { p: unknown }).p)) return false;
  if ('si' in c) return typeof c.si === 'string';
  if ('sd' in c) return typeof c.sd === 'string';
  return false;
}

/** Moves one offset through one component. `insertAfter`: an insert at the offset pushes it along. */
export function transformOffset(offset: number, c: TextComponent, insertAfter: boolean): number {
  const at = c.p[1];
  if ('si' in c) {
    if (at < offset || (at === offset && insertAfter)) return offset + c.si.length;
    return offset;
  }
  const end = at + c.sd.length;
  if (offset >= end) return offset - c.sd.length;
  if (offset > at) return at;
  return offset;
}

/**
 * ShareDB's `transformPresence` for file documents: moves `{anchor, head}` through every text
 * component of `op`, keeping any other fields (the server-stamped user). Own inserts push the
 * cursor along (you type, your caret follows); others' inserts at the caret leave it in place.
 */
export function transformSelection<T extends TextSelection>(value: T, op: unknown, isOwnOp: boolean): T {
  if (!value || !Array.isArray(op)) return value;
  let { anchor, head } = value;
  for (const c of op) {
    if (!isTextComponent(c)) continue;
    anchor = transformOffset(anchor, c, isOwnOp);
    head = transformOffset(head, c, isOwnOp);
  }
  return { ...value, anchor, head };
}

/** Whether a UTF-16 code unit is the first half of a surrogate pair. */
export const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;
/** Whether a UTF-16 code unit is the second half of a surrogate pair. */
export const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;
const isHigh = isHighSurrogate;
const isLow = isLowSurrogate;

/** Whether `s` contains an unpaired surrogate (a broken astral character). */
export function hasLoneSurrogate(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (isHigh(code)) {
      if (i + 1 < s.length && isLow(s.charCodeAt(i + 1))) i++;
      else return true;
    } else if (isLow(code)) return true;
  }
  return false;
}

/** Whether `offset` falls between the two halves of a surrogate pair in `text`. */
export function splitsSurrogatePair(text: string, offset: number): boolean {
  return (
    offset > 0 &&
    offset < text.length &&
    isHigh(text.charCodeAt(offset - 1)) &&
    isLow(text.charCodeAt(offset))
  );
}

/**
 * The one replacement turning `from` into `to`: keep the common prefix and suffix, replace the
 * middle (`from.slice(start, from.length - end)` becomes `to.slice(start, to.length - end)`).
 * The edges never fall inside a surrogate pair; null when the texts are equal.
 */
export function replacedMiddle(from: string, to: string): { start: number; end: number } | null {
  if (from === to) return null;
  const max = Math.min(from.length, to.length);
  let start = 0;
  while (start < max && from.charCodeAt(start) === to.charCodeAt(start)) start++;
  // Do not end the prefix between a high and a low surrogate.
  if (start > 0 && isHigh(from.charCodeAt(start - 1))) start--;
  let end = 0;
  while (end < max - start && from.charCodeAt(from.length - 1 - end) === to.charCodeAt(to.length - 1 - end))
    end++;
  // Do not start the suffix on a low surrogate.
  if (end > 0 && isLow(from.charCodeAt(from.length - end))) end--;
  return { start, end };
}

/**
 * The one json0 op that turns `from` into `to` ({@link replacedMiddle} as a delete and an insert),
 * valid for every client since no offset splits a surrogate pair.
 */
export function textEditOp(from: string, to: string): TextComponent[] {
  const middle = replacedMiddle(from, to);
  if (!middle) return [];
  const { start, end } = middle;
  const removed = from.slice(start, from.length - end);
  const inserted = to.slice(start, to.length - end);
  const op: TextComponent[] = [];
  if (removed) op.push({ p: ['text', start], sd: removed });
  if (inserted) op.push({ p: ['text', start], si: inserted });
  return op;
}

/** The subset of an OT type's shape this module needs. */
interface OtType {
  name: string;
  uri: string;
}

/**
 * json0 with `transformPresence` added (json0 has none, and ShareDB presence needs it).
 * Register the result under json0's own name and URI, on the server and in every client, so
 * documents stay plain json0 on the wire and in storage.
 */
export function withTextPresence<T extends OtType>(
  json0: T,
): T & { transformPresence: typeof transformSelection } {
  return { ...json0, transformPresence: transformSelection };
}

/** Registers the presence-aware json0 in a ShareDB `types` module (server's or client's). */
export function registerTextType(types: { defaultType: OtType; register(type: OtType): void }): void {
  if ('transformPresence' in types.defaultType) return;
  const wrapped = withTextPresence(types.defaultType);
  types.register(wrapped);
  // Documents created without an explicit type use defaultType, so it must be the wrapped one too.
  types.defaultType = wrapped;
}
