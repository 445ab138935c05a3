/**
 * A document's text kept in chunks on the server, so an edit costs O(chunk), not O(file).
 *
 * json0 builds a new string of the whole file for every edit: on a 1 MB file that is ~0.8 ms of
 * page faults per op, measured with the writers bench. A hot file's text is held here instead: an
 * insert or delete rebuilds one chunk, and a copy (ShareDB hands out copies of snapshots) copies
 * the chunk list, not the characters. `toJSON` joins the text, so a snapshot sent to a client or written to disk
 * is plain json0 data, bit for bit.
 */
import type ShareDB from 'sharedb';
import { COLLECTION_FILES } from '../../protocol/doc-ids.js';
import { isHighSurrogate as isHigh } from '../../protocol/text-ops.js';

/** Objects that copy themselves cheaply; the store's snapshot copier honours it. */
export const CLONE = Symbol.for('gitpad.clone');

/** Texts at least this long are chunked; shorter ones cost nothing to copy. */
export const CHUNK_THRESHOLD = 16 * 1024;
const TARGET = 4 * 1024;
const MAX = 2 * TARGET;

export class ChunkedText {
  private chunks: string[];
  length: number;

  /** From a text, or from chunks (and their total length, when the caller knows it). */
  constructor(text: string | string[], length?: number) {
    if (typeof text !== 'string') {
      this.chunks = text;
      this.length = length ?? text.reduce((n, c) => n + c.length, 0);
      return;
    }
    this.chunks = [];
    this.length = text.length;
    for (let i = 0; i < text.length; ) {
      let end = Math.min(text.length, i + TARGET);
      // Chunk edges never split a surrogate pair (slices stay well-formed).
      if (end < text.length && isHigh(text.charCodeAt(end - 1))) end++;
      this.chunks.push(text.slice(i, end));
      i = end;
    }
  }

  [CLONE](): ChunkedText {
    // Twice per edit (the snapshot handed to the submit, the one committed): no recount.
    return new ChunkedText(this.chunks.slice(), this.length);
  }

  toString(): string {
    return this.chunks.join('');
  }

  toJSON(): string {
    return this.chunks.join('');
  }

  /** The chunk holding `offset` (the last one for offset === length) and the offset in it. */
  private locate(offset: number): [number, number] {
    let i = 0;
    let at = offset;
    while (i < this.chunks.length - 1 && at > this.chunks[i]!.length) {
      at -= this.chunks[i]!.length;
      i++;
    }
    return [i, at];
  }

  charCodeAt(offset: number): number {
    if (offset < 0 || offset >= this.length) return Number.NaN;
    let [i, at] = this.locate(offset);
    if (at === this.chunks[i]!.length) {
      i++;
      at = 0;
    }
    return this.chunks[i]!.charCodeAt(at);
  }

  slice(from: number, to: number): string {
    let out = '';
    let pos = 0;
    for (const c of this.chunks) {
      const end = pos + c.length;
      if (end > from && pos < to) out += c.slice(Math.max(0, from - pos), Math.min(c.length, to - pos));
      if (end >= to) break;
      pos = end;
    }
    return out;
  }

  insert(offset: number, text: string): void {
    if (offset < 0 || offset > this.length) throw new Error('Insert position past the end of the text');
    if (this.chunks.length === 0) this.chunks.push('');
    const [i, at] = this.locate(offset);
    const c = this.chunks[i]!;
    const next = c.slice(0, at) + text + c.slice(at);
    this.length += text.length;
    if (next.length <= MAX) this.chunks[i] = next;
    else this.chunks.splice(i, 1, ...new ChunkedText(next).chunks);
  }

  /** Deletes `text` at `offset`; throws (as json0 does) when the text there differs. */
  delete(offset: number, text: string): void {
    if (this.slice(offset, offset + text.length) !== text) {
      throw new Error('Delete component text does not match the document');
    }
    let remaining = text.length;
    let [i, at] = this.locate(offset);
    while (remaining > 0) {
      const c = this.chunks[i]!;
      if (at === c.length) {
        i++;
        at = 0;
        continue;
      }
      const take = Math.min(remaining, c.length - at);
      this.chunks[i] = c.slice(0, at) + c.slice(at + take);
      remaining -= take;
    }
    this.length -= text.length;
    // Deletes leave short chunks behind; when there are far more chunks than the text needs,
    // re-chunk (O(n), amortized over the many deletes it took to get here).
    if (this.chunks.length > 2 * Math.ceil(this.length / TARGET) + 8) {
      this.chunks = new ChunkedText(this.chunks.join('')).chunks;
    }
  }
}

/** Text the rest of the server can read, whichever form a snapshot holds. */
export type TextLike = string | ChunkedText;

export function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value instanceof ChunkedText) return value.toJSON();
  return undefined;
}

/**
 * Keeps large texts chunked in the backend's snapshots from their first edit on (embedded store
 * only: its snapshot copies honour ChunkedText, and its disk format is JSON, which `toJSON` keeps
 * plain; sharedb-mongo would store the object as it is). Install before the op validation, which
 * reads the text.
 */
export function chunkLargeTexts(backend: Pick<ShareDB, 'use'>): void {
  backend.use('apply', (ctx, next) => {
    if (ctx.collection !== COLLECTION_FILES || !(ctx.op as { op?: unknown }).op) return next();
    const data = ctx.snapshot?.data as { text?: unknown } | undefined;
    if (typeof data?.text === 'string' && data.text.length >= CHUNK_THRESHOLD) {
      data.text = new ChunkedText(data.text);
    }
    next();
  });
}
