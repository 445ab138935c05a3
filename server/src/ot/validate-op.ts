/**
 * Validation of a client's edit to a file document, against the text it will apply to.
 * Refuses anything but string inserts and deletes at ['text', offset], deletes whose text does
 * not match, offsets past the end, ops that would split a surrogate pair (that corrupts the text
 * for everyone), and ops that exceed the configured sizes.
 */
import { AppError } from '../errors/app-error.js';
import {
  hasLoneSurrogate,
  isHighSurrogate,
  isLowSurrogate,
  isTextComponent,
  type TextComponent,
} from '../protocol/text-ops.js';

export interface OpLimits {
  /** Largest text one op may insert or delete, UTF-16 code units. */
  maxOpChars: number;
  /** Largest resulting file, UTF-16 code units. */
  maxFileChars: number;
  /** Most components in one op (multi-cursor edits). */
  maxComponents: number;
}

const invalid = (why: string) => new AppError('ERR_INVALID_OP', `Invalid edit: ${why}.`);

/** Checks the op's shape alone (no text needed). Returns the components. */
export function checkTextOpShape(op: unknown, limits: OpLimits): TextComponent[] {
  // An empty list is a no-op, and a legitimate one: ShareDB's client transforms a pending delete of
  // text someone else deleted first into [] and still sends it; refusing it would make the client
  // roll back, dropping every other unsent edit of that document.
  if (!Array.isArray(op)) throw invalid('an edit is a list of components');
  if (op.length > limits.maxComponents) throw invalid(`more than ${limits.maxComponents} components`);
  let chars = 0;
  for (const c of op) {
    if (!isTextComponent(c)) throw invalid('only text inserts and deletes at ["text", offset] are allowed');
    const s = 'si' in c ? c.si : c.sd;
    if (s.length === 0) throw invalid('empty insert or delete');
    if (hasLoneSurrogate(s)) throw invalid('the text contains a broken Unicode character');
    chars += s.length;
  }
  if (chars > limits.maxOpChars) {
    throw new AppError(
      'ERR_TOO_LARGE',
      `This edit is larger than the limit of ${limits.maxOpChars} characters.`,
    );
  }
  return op as TextComponent[];
}

/**
 * A read-only view of `base` after some components were applied, without building the new string:
 * `charCodeAt(x)` walks the applied components backwards (O(components)), so checking a
 * k-component op costs O(k²) lookups instead of k copies of a possibly large file.
 */
class OverlayText {
  private readonly applied: TextComponent[] = [];
  length: number;

  constructor(private readonly base: TextView) {
    this.length = base.length;
  }

  charCodeAt(x: number): number {
    for (let j = this.applied.length - 1; j >= 0; j--) {
      const c = this.applied[j]!;
      const at = c.p[1];
      if ('si' in c) {
        if (x < at) continue;
        if (x < at + c.si.length) return c.si.charCodeAt(x - at);
        x -= c.si.length;
      } else if (x >= at) {
        x += c.sd.length;
      }
    }
    return this.base.charCodeAt(x);
  }

  slice(from: number, to: number): string {
    if (this.applied.length === 0) return this.base.slice(from, to);
    let s = '';
    for (let i = from; i < to; i++) s += String.fromCharCode(this.charCodeAt(i));
    return s;
  }

  apply(c: TextComponent): void {
    this.applied.push(c);
    this.length += 'si' in c ? c.si.length : -c.sd.length;
  }

  splits(offset: number): boolean {
    if (offset <= 0 || offset >= this.length) return false;
    return isHighSurrogate(this.charCodeAt(offset - 1)) && isLowSurrogate(this.charCodeAt(offset));
  }
}

/** What validation reads of a text: a string, or the server's ChunkedText. */
export interface TextView {
  length: number;
  charCodeAt(offset: number): number;
  slice(from: number, to: number): string;
}

/** Checks `op` against `text`, the document text it will be applied to. */
export function checkTextOpAgainst(text: TextView, op: TextComponent[], limits: OpLimits): void {
  const view = new OverlayText(text);
  for (const c of op) {
    const at = c.p[1];
    if (at > view.length) throw invalid(`offset ${at} is past the end of the text (${view.length})`);
    if (view.splits(at)) throw invalid('it would split an emoji or other astral character');
    if ('sd' in c) {
      const end = at + c.sd.length;
      if (end > view.length) throw invalid('it deletes past the end of the text');
      if (view.splits(end)) throw invalid('it would split an emoji or other astral character');
      if (view.slice(at, end) !== c.sd) throw invalid('the deleted text does not match the document');
    }
    view.apply(c);
  }
  if (view.length > limits.maxFileChars && view.length > text.length) {
    throw new AppError('ERR_TOO_LARGE', `A file may hold at most ${limits.maxFileChars} characters.`);
  }
}
