/**
 * The shapes of versions, diffs and comments as the API sends them: the git library produces
 * them and the client renders them. No imports, no Node APIs.
 */

/** What happened to a file between the two sides. */
export type FileStatus = 'added' | 'deleted' | 'modified' | 'renamed';

/** One line of a hunk; line numbers are 1-based and present on the sides the line exists on. */
export interface DiffLine {
  type: 'context' | 'add' | 'del';
  /** The line without its newline. */
  text: string;
  oldLine?: number;
  newLine?: number;
  /** The line is the last of its file and has no newline ("\ No newline at end of file"). */
  noNewline?: boolean;
}

/** A hunk, with the numbers of its `@@ -oldStart,oldLines +newStart,newLines @@` header. */
export interface DiffHunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  /** The function-context text git prints after the second `@@` ('' when none). */
  header: string;
  lines: DiffLine[];
}

/** The diff of one file. */
export interface FileDiff {
  /** The path on the new side (the old path for a deletion). */
  path: string;
  /** The path on the old side (differs from `path` only for a rename). */
  oldPath: string;
  status: FileStatus;
  /** Blob ids; null on the side where the file does not exist. */
  oldOid: string | null;
  newOid: string | null;
  /** The ids as git abbreviates them in its `index` line. */
  oldAbbrev: string;
  newAbbrev: string;
  /** Binary content (a NUL byte in the first 8000 bytes, git's test): no hunks. */
  binary: boolean;
  hunks: DiffHunk[];
  additions: number;
  deletions: number;
  /**
   * Present (true) when the hunks were left out because the diff is too large to show (the
   * server's `DIFF_MAX_LINES`); additions and deletions are still counted.
   */
  tooLarge?: true;
}

/** Who wrote a comment (a Gitpad user). */
export interface CommentAuthor {
  id: string;
  username: string;
  displayName: string;
}

/** One comment. Replies carry `parentId` (always a thread root); `resolved` lives on the root. */
export interface Comment {
  id: string;
  author: CommentAuthor;
  body: string;
  /** File the comment is about, if any. */
  path?: string;
  /** 1-based line of `path` in this version, if any. */
  line?: number;
  /** Last line of a comment on a range of lines (a thread made on the live text), when past `line`. */
  endLine?: number;
  /** ISO 8601. */
  createdAt: string;
  editedAt?: string;
  resolved?: boolean;
  parentId?: string;
  /** A deleted root that still has replies keeps its place with an empty body. */
  deleted?: boolean;
}
