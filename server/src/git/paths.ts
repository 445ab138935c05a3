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

/** True for names that git, or a case-insensitive file system, would take for `.git`. */
function isDotGit(name: string): boolean {
  const folded = name.replace(HFS_IGNORABLE, '').toLowerCase();
  if (folded === '.git' || folded === 'git~1') return true;
  // NTFS drops trailing dots and spaces, and `.git::$INDEX_ALLOCATION` names the same directory.
  if (folded.startsWith('.git')) {
    const rest = folded.slice(4);
    if (/^[. ]+$/.test(rest) || rest.startsWith(':')) return true;
  }
  return false;
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
