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

/**
 * What made a version (issue 15, item 3), recorded in its refs/notes/gitpad note by the code that
 * committed it; older versions get it from their message (`git/kinds.ts`).
 * - `autosave`: the commit worker's snapshot after idle (or its minute while busy, or at start);
 * - `save`: someone pressed Save version (with a message or not);
 * - `revert`, `import`, `push`: the version those made;
 * - `before`: the safety version of live text taken before a revert, import, push or delete;
 * - `delete`, `move`, `replace`: a file deleted, a folder moved, a search-and-replace.
 */
export type VersionKind =
  | 'autosave'
  | 'save'
  | 'revert'
  | 'import'
  | 'push'
  | 'before'
  | 'delete'
  | 'move'
  | 'replace';

/** Every kind, for validation. */
export const VERSION_KINDS: readonly VersionKind[] = [
  'autosave',
  'save',
  'revert',
  'import',
  'push',
  'before',
  'delete',
  'move',
  'replace',
];

/** Kinds a person made on purpose: what the "Named only" filter keeps (with tagged versions). */
export const NAMED_KINDS: readonly VersionKind[] = ['save', 'revert', 'import', 'push'];

/** One version of one file (GET …/files/history). */
export interface FileVersion {
  sha: string;
  kind: VersionKind;
  subject: string;
  author: { name: string; email: string };
  time: string;
  /** The file's path in this version (differs from today's after a rename). */
  path: string;
  /** Its path in the previous version of the file, when this version renamed it. */
  oldPath?: string;
  /** `added`: the file first appears; `renamed`: path changed (its text may have too). */
  status: 'added' | 'modified' | 'renamed';
  additions: number;
  deletions: number;
  /** Binary content, or too large to count: no line counts. */
  uncounted?: true;
}

/** A run of lines of the blamed text last changed by one version. Lines are 1-based, inclusive. */
export interface BlameRun {
  startLine: number;
  endLine: number;
  sha: string;
  author: { id?: string; name: string; email: string };
  time: string;
  /** The version's subject line. */
  message: string;
}

/** A run of live lines unlike the committed text, typed by `userId` (null: nobody we can name). */
export interface LiveRun {
  startLine: number;
  endLine: number;
  userId: string | null;
}

/** What GET …/blame answers. */
export interface BlameResponse {
  /** The version blamed (the head), null before the first version. */
  sha: string | null;
  path: string;
  /** Lines of the committed text. */
  lines: number;
  /** Runs over the committed text. */
  runs: BlameRun[];
  truncated: boolean;
  /** Runs of live lines unlike the committed text, by who typed them. */
  live: LiveRun[];
  /**
   * The whole live text as runs: each line either still the committed line it was (`sha` of the
   * version that last changed it) or uncommitted (`sha` null, `userId` who typed it).
   */
  liveRuns: Array<{ startLine: number; endLine: number; sha: string | null; userId?: string | null }>;
  /** Lines of the live text. */
  liveLines: number;
  /** Who the user ids above are (members, and anyone who typed): id → names. */
  people: Record<string, { username: string; displayName: string }>;
}
