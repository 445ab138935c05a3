/**
 * Search (and replace) across a session's files as one synchronous job: what a worker thread of
 * the search pool runs (server.ts), so a hostile regex stalls that thread, which the pool
 * terminates at its time cap, never the server's event loop (issue 15).
 *
 * Matching is per line (a pattern never spans a line break, as in most editors' project search);
 * empty matches are skipped. Positions are UTF-16 code units, CodeMirror's and json0's unit:
 * `line` is 1-based, `column` 1-based (`line.from + column - 1` is the match's offset in CodeMirror).
 */
import type { SearchHit, SearchQuery } from '../protocol/search.js';
import { isHighSurrogate as isHigh, isLowSurrogate as isLow } from '../protocol/text-ops.js';

/** One file's live text. */
export interface SearchFile {
  path: string;
  text: string;
}

/** A replacement to make at `offset` (UTF-16) of a file: `length` units become `text`. */
export interface Edit {
  offset: number;
  length: number;
  text: string;
}

export type SearchJob =
  | {
      kind: 'search';
      query: SearchQuery;
      files: SearchFile[];
      /** Results past this many are dropped and the answer is `truncated`. */
      maxResults: number;
      /** Longest preview of a line, UTF-16 units. */
      maxPreview: number;
      /** Soft budget, ms: checked between matches, the answer is `truncated` once it is spent. */
      budgetMs: number;
    }
  | { kind: 'replace'; query: SearchQuery; replacement: string; files: SearchFile[] };

export type SearchJobResult =
  | { kind: 'search'; results: SearchHit[]; truncated: boolean }
  | { kind: 'replace'; edits: Edit[][] };

/** Longest line preview, and how much of the line before the match it keeps. */
const LEAD = 40;

/**
 * The query as a global, unicode-aware RegExp, or a message saying why it is not one. Plain text is
 * escaped; whole word means no letter, digit or `_` right before or after the match.
 */
export function compileQuery(q: SearchQuery): RegExp | string {
  const source = q.regex ? q.q : q.q.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const wrapped = q.word ? `(?<![\\p{L}\\p{N}_])(?:${source})(?![\\p{L}\\p{N}_])` : source;
  try {
    return new RegExp(wrapped, `g${q.case ? '' : 'i'}u`);
  } catch (err) {
    return (err as Error).message;
  }
}

/** Runs a job (synchronously; a pattern's worst case is bounded only by the caller's thread). */
export function runSearchJob(job: SearchJob): SearchJobResult {
  const re = compileQuery(job.query);
  if (typeof re === 'string') throw new Error(re);
  if (job.kind === 'replace') {
    return {
      kind: 'replace',
      edits: job.files.map((f) => replaceEdits(f.text, re, job.replacement, job.query)),
    };
  }
  const results: SearchHit[] = [];
  const deadline = performance.now() + job.budgetMs;
  let truncated = false;
  files: for (const file of job.files) {
    for (const { lineNo, line, m } of lineMatches(file.text, re)) {
      if (results.length >= job.maxResults || performance.now() > deadline) {
        truncated = true;
        break files;
      }
      results.push(hit(file.path, lineNo, line, m.index, m[0].length, job.maxPreview));
    }
  }
  return { kind: 'search', results, truncated };
}

/**
 * Every non-empty match of `re` (global) in `text`, line by line: the 1-based line number, the
 * offset where the line starts, the line (without its CR LF or LF) and the match within it.
 */
function* lineMatches(
  text: string,
  re: RegExp,
): Generator<{ lineNo: number; lineStart: number; line: string; m: RegExpExecArray }> {
  let lineNo = 0;
  let from = 0;
  while (from <= text.length) {
    lineNo++;
    let to = text.indexOf('\n', from);
    if (to < 0) to = text.length;
    // A CR before the LF belongs to the line break, not to the line (what CodeMirror shows).
    const end = to > from && text.charCodeAt(to - 1) === 13 ? to - 1 : to;
    const line = text.slice(from, end);
    re.lastIndex = 0;
    for (let m = re.exec(line); m; m = re.exec(line)) {
      if (m[0].length === 0) {
        re.lastIndex = m.index + (isHigh(line.charCodeAt(m.index)) ? 2 : 1);
        continue;
      }
      yield { lineNo, lineStart: from, line, m };
    }
    from = to + 1;
  }
}

function hit(
  path: string,
  line: number,
  text: string,
  at: number,
  length: number,
  maxPreview: number,
): SearchHit {
  let start = Math.max(0, at - LEAD);
  if (start > 0 && isLow(text.charCodeAt(start))) start--;
  let end = Math.min(text.length, start + maxPreview);
  if (end < text.length && isHigh(text.charCodeAt(end - 1))) end--;
  const matchEnd = Math.min(at + length, end);
  return {
    path,
    line,
    column: at + 1,
    length,
    preview: text.slice(start, end),
    previewMatch: [at - start, Math.max(at - start, matchEnd - start)],
  };
}

/** Every match of `re` in `text`, as edits from the start of the text on (line by line, as search). */
function replaceEdits(text: string, re: RegExp, replacement: string, q: SearchQuery): Edit[] {
  const edits: Edit[] = [];
  for (const { lineStart, line, m } of lineMatches(text, re)) {
    const replaced = q.regex ? expand(replacement, m, line) : replacement;
    if (replaced !== m[0]) edits.push({ offset: lineStart + m.index, length: m[0].length, text: replaced });
  }
  return edits;
}

/**
 * A regex replacement's text, as `String.prototype.replace` reads it: `$$`, `$&`, `` $` ``, `$'`,
 * `$1`–`$99` and `$<name>`; anything else stays literal.
 */
export function expand(replacement: string, m: RegExpExecArray, input: string): string {
  return replacement.replace(/\$(\$|&|`|'|\d{1,2}|<([^>]*)>)/g, (whole, token: string, name?: string) => {
    if (token === '$') return '$';
    if (token === '&') return m[0];
    if (token === '`') return input.slice(0, m.index);
    if (token === "'") return input.slice(m.index + m[0].length);
    if (name !== undefined) {
      if (!m.groups) return whole;
      return m.groups[name] ?? '';
    }
    // `$12` when there are fewer than 12 groups is `$1` followed by "2", as in replace().
    let n = Number(token);
    let rest = '';
    if (n >= m.length && token.length === 2) {
      n = Number(token[0]);
      rest = token[1]!;
    }
    if (n === 0 || n >= m.length) return whole;
    return (m[n] ?? '') + rest;
  });
}
