/**
 * The live overlay of blame (issue 15, item 3): which lines of a file's live text differ from its
 * latest version, and who typed them. The op log above the version the latest commit covers is
 * kept until a later commit covers it (the worker compacts only below committed versions), and
 * every op a user submits carries their id (ot/authorship.ts); replaying those ops over the
 * committed text, keeping an author per character, says who typed each uncommitted line.
 */
import { lineDiff } from '../git/text-diff.js';
import { authorOf } from '../ot/authorship.js';
import type { LiveRun } from '../protocol/versions.js';
import { textOf } from '../storage/embedded/chunked-text.js';

/** A stored op as `getOps(…, {metadata: true})` gives it. */
export interface StoredOp {
  v?: number;
  op?: unknown;
  create?: { data?: { text?: unknown } };
  del?: boolean;
  m?: Record<string, unknown> | null;
}

/** Text and, per UTF-16 unit, the index of who last typed it or beside it (-1: nobody). */
interface Attributed {
  text: string;
  who: number[];
}

/**
 * Replays `ops` over `base` (the file's committed text), keeping who typed each character, and
 * returns the live text with the runs of lines unlike `base` (1-based, on the live text) by the
 * user who typed most of each line. A line only shortened (characters deleted, none typed) goes to
 * whoever deleted there. Returns null when an op is not a plain text edit this can follow
 * (a replaced document): the caller then names nobody.
 */
export function replayAuthors(
  base: string,
  ops: readonly StoredOp[],
): { text: string; live: LiveRun[] } | null {
  const users: string[] = [];
  const userIndex = (id: string | undefined): number => {
    if (id === undefined) return -1;
    let i = users.indexOf(id);
    if (i === -1) i = users.push(id) - 1;
    return i;
  };
  const doc: Attributed = { text: base, who: new Array<number>(base.length).fill(-1) };
  for (const op of ops) {
    const by = userIndex(authorOf(op));
    if (op.del) return null;
    if (op.create) {
      const text = textOf(op.create.data?.text) ?? '';
      doc.text = text;
      doc.who = new Array<number>(text.length).fill(by);
      continue;
    }
    if (!Array.isArray(op.op)) continue;
    for (const c of op.op as Array<{ p?: unknown; si?: unknown; sd?: unknown }>) {
      const p = c.p;
      if (!Array.isArray(p) || p.length !== 2 || p[0] !== 'text' || typeof p[1] !== 'number') return null;
      const at = p[1];
      if (at < 0 || at > doc.text.length) return null;
      if (typeof c.sd === 'string') {
        doc.text = doc.text.slice(0, at) + doc.text.slice(at + c.sd.length);
        doc.who.splice(at, c.sd.length);
        // The characters either side of the cut changed line: they carry the deleter when no one typed them.
        if (by !== -1) {
          if (at > 0 && doc.who[at - 1] === -1) doc.who[at - 1] = by;
          if (at < doc.who.length && doc.who[at] === -1) doc.who[at] = by;
        }
      }
      if (typeof c.si === 'string') {
        doc.text = doc.text.slice(0, at) + c.si + doc.text.slice(at);
        doc.who.splice(at, 0, ...new Array<number>(c.si.length).fill(by));
      }
      if (typeof c.si !== 'string' && typeof c.sd !== 'string') return null;
    }
  }
  return { text: doc.text, live: changedLines(base, doc, users) };
}

/**
 * Runs of live lines unlike `base` (from the line diff git would show), each by the user who typed
 * most of it (null when nobody we know did: the server's own edits).
 */
export function changedLines(base: string, doc: Attributed, users: readonly string[]): LiveRun[] {
  const diff = lineDiff(base, doc.text);
  const starts: number[] = [];
  let offset = 0;
  for (const line of diff.newLines) {
    starts.push(offset);
    offset += line.length;
  }
  const runs: LiveRun[] = [];
  for (const c of diff.changes) {
    for (let line = c.newStart; line < c.newStart + c.added; line++) {
      const from = starts[line]!;
      const to = from + diff.newLines[line]!.length;
      const userId = topAuthor(doc.who, from, to, users);
      const last = runs.at(-1);
      if (last && last.endLine === line && last.userId === userId) last.endLine = line + 1;
      else runs.push({ startLine: line + 1, endLine: line + 1, userId });
    }
  }
  return runs;
}

function topAuthor(
  who: readonly number[],
  from: number,
  to: number,
  users: readonly string[],
): string | null {
  const counts = new Map<number, number>();
  for (let i = from; i < to; i++) {
    const w = who[i]!;
    if (w !== -1) counts.set(w, (counts.get(w) ?? 0) + 1);
  }
  let best = -1;
  let most = 0;
  for (const [w, n] of counts) {
    if (n > most) {
      best = w;
      most = n;
    }
  }
  return best === -1 ? null : users[best]!;
}
