/**
 * Search across a session's files (issue 15): the shapes of `GET /api/sessions/:id/search` and
 * `POST /api/sessions/:id/replace`, shared with the client. No Node imports.
 *
 * Positions are UTF-16 code units, as in CodeMirror and json0: `line` and `column` are 1-based,
 * so the match starts at `doc.line(line).from + column - 1` in a CodeMirror document.
 */

/** Longest query (and replacement), characters. */
export const MAX_QUERY_CHARS = 1000;
export const MAX_REPLACEMENT_CHARS = 10_000;

/** What to look for. */
export interface SearchQuery {
  q: string;
  /** `q` is a JavaScript regular expression (unicode mode), not plain text. */
  regex: boolean;
  /** Case-sensitive. */
  case: boolean;
  /** Whole word: no letter, digit or `_` right before or after the match. */
  word: boolean;
}

/** One match. */
export interface SearchHit {
  path: string;
  /** 1-based line number. */
  line: number;
  /** 1-based column, UTF-16 code units. */
  column: number;
  /** The match's length, UTF-16 code units. */
  length: number;
  /** The line around the match, at most a few hundred characters. */
  preview: string;
  /** Where the match is in `preview`: [start, end), UTF-16 offsets (end cut where the preview ends). */
  previewMatch: [number, number];
}

export interface SearchResponse {
  results: SearchHit[];
  /** More matches exist than were returned (result cap or time budget). */
  truncated: boolean;
}

export interface ReplaceResponse {
  /** Files changed. */
  files: number;
  /** Matches replaced. */
  replacements: number;
  /** The version committed with the replacements; null when nothing matched. */
  sha: string | null;
}
