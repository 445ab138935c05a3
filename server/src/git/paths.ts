/**
 * Validation of file paths and tree entry names, the one place that decides what a path in a
 * session may look like.
 *
 * isomorphic-git writes any name into a tree, but git clients refuse trees holding `.git`, `..`,
 * empty names or names with `/` (`git fsck` reports them, `git clone` aborts on them), so a bad
 * name would make the whole session uncloneable. The rules follow git's fsck checks, including the
 * spellings that case-insensitive (HFS+, NTFS) file systems treat as `.git`.
 */
import { AppError } from '../errors/app-error.js';

/** Longest entry name in bytes: the common file-system limit. */
const MAX_NAME_BYTES = 255;
/** Longest path in bytes. */
const MAX_PATH_BYTES = 4096;

/**
 * Code points HFS+ ignores when comparing names, so `.g\u200cit` is `.git` on a Mac
 * (git's fsck rejects these spellings too).
 */
const HFS_IGNORABLE = /[\u200c-\u200f\u202a-\u202e\u206a-\u206f\ufeff]/g;

/** A lone UTF-16 surrogate cannot be encoded as UTF-8: git would store U+FFFD instead. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it rejects
const CONTROL = /[\u0000-\u001f\u007f]/;

function invalid(message: string): AppError {
  return new AppError('ERR_INVALID_PATH', message);
}

/** Throws ERR_INVALID_PATH unless `name` may be one tree entry (one path segment). */
export function validateEntryName(name: string): void {
  if (typeof name !== 'string' || name.length === 0) throw invalid('A file or folder name cannot be empty.');
  if (name.includes('/')) throw invalid(`"${name}": a name cannot contain "/".`);
  if (name.includes('\\'))
    throw invalid(`"${name}": a name cannot contain "\\" (Windows clients read it as a folder).`);
  if (CONTROL.test(name)) throw invalid(`${JSON.stringify(name)}: a name cannot contain control characters.`);
  if (LONE_SURROGATE.test(name)) throw invalid(`${JSON.stringify(name)}: a name must be valid Unicode.`);
  if (name === '.' || name === '..') throw invalid(`"${name}" is not a valid name.`);
  if (isDotGit(name)) throw invalid(`"${name}" is reserved by git.`);
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES) throw invalid(`"${name.slice(0, 40)}…" is too long.`);
}

/**
 * Throws ERR_INVALID_PATH unless a file or folder may be created, or renamed, as `name`: the tree
 * rules of `validateEntryName`, and no `.gitmodules` in any spelling git reads as one (git would
 * parse it as submodule config, and fsck --strict fails on a hostile one). Only checked where
 * paths are made: a session that already holds one still commits.
 */
export function validateNewEntryName(name: string): void {
  validateEntryName(name);
  if (isDotGitmodules(name))
    throw invalid(`"${name}" is where git keeps submodules, and Gitpad sessions cannot hold submodules.`);
}

/** `name` without HFS+-ignorable code points, lower-cased: what a Mac compares. */
function fold(name: string): string {
  return name.replace(HFS_IGNORABLE, '').toLowerCase();
}

/**
 * True when, after `stem`, the name holds only what NTFS drops (trailing dots and spaces) or an
 * alternate data stream (`:…`), which still names the same file.
 */
function ntfsSame(name: string, stem: number): boolean {
  const rest = name.slice(stem);
  const stream = rest.indexOf(':');
  return /^[. ]*$/.test(stream < 0 ? rest : rest.slice(0, stream));
}

/** True for names that git, or a case-insensitive file system, would take for `.git`. */
function isDotGit(name: string): boolean {
  const folded = fold(name);
  // NTFS drops trailing dots and spaces, `.git::$INDEX_ALLOCATION` names the same directory, and
  // `git~1` is its 8.3 short name.
  return (
    (folded.startsWith('.git') && ntfsSame(folded, 4)) || (folded.startsWith('git~1') && ntfsSame(folded, 5))
  );
}

/**
 * True for names that git's fsck takes for `.gitmodules`: any case, HFS+-ignorable code points,
 * NTFS trailing dots and spaces or a stream suffix, the 8.3 short names `gitmod~1`..`gitmod~4`,
 * and the hashed short names NTFS falls back to: eight characters made of a prefix of `gi7eba`,
 * `~` and a number (`gi7eba~1`, `gi7eb~12`).
 */
export function isDotGitmodules(name: string): boolean {
  const folded = fold(name);
  if (folded.startsWith('.gitmodules') && ntfsSame(folded, 11)) return true;
  if (/^gitmod~[1-4]/.test(folded) && ntfsSame(folded, 8)) return true;
  return (
    /^(?:g(?:i(?:7(?:e(?:ba?)?)?)?)?)?~[1-9][0-9]*$/.test(folded.slice(0, 8)) &&
    folded.length >= 8 &&
    ntfsSame(folded, 8)
  );
}

/**
 * Validates a `/`-separated file path and returns its segments. Throws ERR_INVALID_PATH for an
 * empty path, a leading or trailing `/`, `//`, or any invalid segment.
 */
export function splitPath(filePath: string): string[] {
  if (typeof filePath !== 'string' || filePath.length === 0) throw invalid('A file path cannot be empty.');
  if (Buffer.byteLength(filePath, 'utf8') > MAX_PATH_BYTES) throw invalid('The file path is too long.');
  const segments = filePath.split('/');
  for (const segment of segments) {
    if (segment === '') throw invalid(`"${filePath}": a path cannot start or end with "/" or contain "//".`);
    validateEntryName(segment);
  }
  return segments;
}

/** Throws ERR_INVALID_PATH unless `filePath` is a valid file path (see `splitPath`). */
export function validateFilePath(filePath: string): void {
  splitPath(filePath);
}

/**
 * Orders paths as git does (byte order of their UTF-8 encoding, which is also the order of trees
 * walked depth-first): JavaScript's `<` compares UTF-16 units and disagrees above U+FFFF.
 */
export function comparePaths(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
