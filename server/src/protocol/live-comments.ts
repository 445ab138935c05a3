/**
 * Comments on the live text (issue 15, item 5): threads anchored to a character range of a file's
 * current text, moved by the server through every op applied to the file's document, and written
 * to git notes on the version the next commit makes. Shared by the server and the client; no
 * imports, no Node APIs.
 */

/** A range of the live text: UTF-16 offsets, as json0 and CodeMirror count them, `from < to`. */
export interface LiveAnchor {
  from: number;
  to: number;
}

/** Who wrote a live comment or reply, as the API sends it. */
export interface LiveCommentAuthor {
  id: string;
  username: string;
  displayName: string;
}

export interface LiveReply {
  id: string;
  author: LiveCommentAuthor;
  body: string;
  /** ISO 8601. */
  createdAt: string;
  editedAt?: string;
}

/** A thread on a range of a file's live text, as the API sends it. */
export interface LiveThread {
  id: string;
  fileId: string;
  /** Where the thread is now, in the text at document version `v`. */
  anchor: LiveAnchor;
  /** The document version `anchor` refers to. */
  v: number;
  /** The text the thread was made on (kept when that text is deleted). */
  quote: string;
  /**
   * The text under the thread was deleted: the anchor collapsed to a point (from === to) and
   * stays there; the quote says what it was about.
   */
  detached: boolean;
  author: LiveCommentAuthor;
  body: string;
  createdAt: string;
  editedAt?: string;
  resolved: boolean;
  replies: LiveReply[];
}

/** Longest comment or reply body, characters. */
export const MAX_LIVE_COMMENT_CHARS = 10_000;
/** Longest quote kept with a thread (the rest of a long range is not copied). */
export const MAX_LIVE_QUOTE_CHARS = 2_000;

/**
 * `session:event` of type `liveComment`: a thread was created or changed (`thread`), or deleted
 * (`removed`, its id). Members' editors update their gutters from it.
 */
export interface LiveCommentEvent {
  sessionId: string;
  type: 'liveComment';
  fileId: string;
  thread?: LiveThread;
  removed?: string;
}

/** Where `from`/`to` go through one json0 text component (see `transformAnchor`). */
interface TextComponentLike {
  p: [string, number];
  si?: string;
  sd?: string;
}

/**
 * Moves an anchor through one op (a list of json0 text components on ['text', offset]). Inserts
 * before the range shift it, inserts strictly inside grow it, inserts at either edge stay outside;
 * deletes shrink it, and a delete covering it collapses it to a point. Anything that is not a text
 * component is skipped.
 */
export function transformAnchor(anchor: LiveAnchor, op: unknown): LiveAnchor {
  if (!Array.isArray(op)) return anchor;
  let { from, to } = anchor;
  for (const raw of op as TextComponentLike[]) {
    if (!raw || !Array.isArray(raw.p) || raw.p[0] !== 'text' || typeof raw.p[1] !== 'number') continue;
    const at = raw.p[1];
    if (typeof raw.si === 'string') {
      const n = raw.si.length;
      if (at <= from) from += n;
      if (at < to || (at === to && to === from - n)) to += n;
    } else if (typeof raw.sd === 'string') {
      const end = at + raw.sd.length;
      from = from >= end ? from - raw.sd.length : Math.min(from, at);
      to = to >= end ? to - raw.sd.length : Math.min(to, at);
    }
  }
  if (to < from) to = from;
  return { from, to };
}

/**
 * Maps an anchor back through an op that was applied after it (the op's inverse, components in
 * reverse order): used to find where a thread was at an earlier version, e.g. the one a commit
 * snapshotted. Text the op inserted inside the range maps to its insertion point.
 */
export function untransformAnchor(anchor: LiveAnchor, op: unknown): LiveAnchor {
  if (!Array.isArray(op)) return anchor;
  const inverse = (op as TextComponentLike[])
    .filter((c) => c && Array.isArray(c.p) && c.p[0] === 'text')
    .map((c) =>
      typeof c.si === 'string' ? { p: c.p, sd: c.si } : typeof c.sd === 'string' ? { p: c.p, si: c.sd } : c,
    )
    .reverse();
  let out = anchor;
  for (const c of inverse) out = transformAnchor(out, [c]);
  return out;
}

/** The 1-based line of UTF-16 `offset` in `text`. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  const end = Math.min(offset, text.length);
  for (let i = text.indexOf('\n'); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** The first and last 1-based lines an anchor covers in `text` (a range ending at a line break ends on that line). */
export function linesOf(text: string, anchor: LiveAnchor): { line: number; endLine: number } {
  const line = lineAt(text, anchor.from);
  const endLine = anchor.to > anchor.from ? lineAt(text, anchor.to - 1) : line;
  return { line, endLine };
}
