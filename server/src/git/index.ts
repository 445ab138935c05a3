/**
 * Gitpad's git library: every version of a session is a commit in a bare repository
 * `<reposDir>/<sessionId>.git`, written with isomorphic-git through a crash-safe fs and one
 * serialized writer per repo. Framework-free: no Koa, no ShareDB.
 */
export { type AtomicFs, type CleanupReport, cleanupRepo, createAtomicFs } from './atomic-fs.js';
export {
  type CommitResult,
  commitSnapshot,
  compareTrees,
  DEFAULT_COMMITTER,
  describeChanges,
  type SnapshotFile,
  type SnapshotInput,
  type TreeChanges,
} from './commit.js';
export {
  type DiffHunk,
  type DiffLine,
  type DiffOptions,
  diffCommit,
  diffCommits,
  diffWithFiles,
  type FileDiff,
  type FileStatus,
} from './diff.js';
export { type DiffEngine, inlineDiffEngine } from './diff-job.js';
export { DiffPool, type DiffPoolOptions } from './diff-pool.js';
export {
  type Blame,
  blameFile,
  countLines,
  type FileRef,
  fileHistory,
  MAX_BLAME_VERSIONS,
} from './file-history.js';
export { GitpadNotesReader } from './gitpad-notes.js';
export {
  type CommitStats,
  type HistoryOptions,
  headSha,
  type LogEntry,
  lastCovered,
  latestWithFile,
  log,
  nameVersion,
  readBlob,
  readEntry,
  readFileAt,
  readTree,
  readTreeFiles,
  readVersion,
  readVersionFile,
  resolveSha,
  type VersionFile,
} from './history.js';
export { isVersionKind, kindFromMessage } from './kinds.js';
export {
  checkGit,
  countLooseObjects,
  gcAuto,
  type MaintenanceOptions,
  type MaintenanceResult,
  MIN_GIT_VERSION,
  maintainRepo,
} from './maintenance.js';
export {
  addComment,
  type Comment,
  type CommentAuthor,
  commentCounts,
  deleteComment,
  editComment,
  listComments,
  type NewComment,
  NOTES_REF,
  resolveThread,
  writeThreads,
} from './notes.js';
export { hasObject, type Identity, writeBlob } from './objects.js';
export { comparePaths, validateEntryName, validateFilePath } from './paths.js';
export { readRef, updateRef } from './refs.js';
export {
  archiveRepo,
  initRepo,
  MAIN_REF,
  openRepo,
  Repo,
  removeRepo,
  repoPath,
  repoSessionIds,
  validateSessionId,
} from './repo.js';
export { createTag, deleteTag, listTags, type TagInfo, tagsByCommit, validateTagName } from './tags.js';
export { type ParsedMessage, parseMessage } from './trailers.js';
export { formatPatch, type PatchOptions } from './unified.js';
