/**
 * The one place file paths are validated. A path is what becomes a git tree entry, so anything
 * git would reject (or that would escape the tree) is refused here, before any write.
 */
import { AppError } from '../errors/app-error.js';
import { validateNewEntryName } from '../git/paths.js';

export const MAX_PATH_LENGTH = 255;

// C0 and C1 control characters, DEL, and Unicode line/paragraph separators.
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing them is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** Returns the normalized path or throws ERR_INVALID_PATH with the reason. */
export function validatePath(input: unknown): string {
  const invalid = (why: string) => new AppError('ERR_INVALID_PATH', `Invalid path: ${why}.`);
  if (typeof input !== 'string') throw invalid('it must be a string');
  const p = input.normalize('NFC');
  if (p.length === 0) throw invalid('it is empty');
  if (p.length > MAX_PATH_LENGTH) throw invalid(`it is longer than ${MAX_PATH_LENGTH} characters`);
  if (CONTROL.test(p)) throw invalid('it contains control characters');
  if (p.includes('\\')) throw invalid('use "/" to separate folders');
  if (p.startsWith('/')) throw invalid('it must be relative');
  if (p.endsWith('/')) throw invalid('it names a folder, not a file');
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(p)) {
    throw invalid('it contains a broken Unicode character');
  }
  for (const segment of p.split('/')) {
    if (segment === '') throw invalid('it has an empty segment');
    if (segment === '.' || segment === '..') throw invalid(`"${segment}" segments are not allowed`);
    if (segment !== segment.trim()) throw invalid('a name may not start or end with spaces');
    // The tree-entry rules of git's fsck (`.git` in every spelling, `.gitmodules`), kept in one place.
    validateNewEntryName(segment);
  }
  return p;
}

/** Two paths collide if they are equal, or one is a folder of the other ("a" and "a/b"). */
export function pathsCollide(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}
