/**
 * File paths as the session service sees them: the create/rename rule (`checkPath` in
 * protocol/paths.ts, the same one the client checks before sending) and the clash rule, wrapped
 * in the errors the service throws.
 */
import { AppError } from '../errors/app-error.js';
import { checkPath, folderClash, pathClash } from '../protocol/paths.js';

/** Returns the normalized (NFC) path, or throws ERR_INVALID_PATH with the reason. */
export function validatePath(input: unknown): string {
  const checked = checkPath(input);
  if (!checked.ok) throw new AppError('ERR_INVALID_PATH', checked.reason);
  return checked.path;
}

/**
 * Throws ERR_PATH_EXISTS when `path` cannot join `existing` paths: taken, a file where a folder
 * is (or the reverse), or differing from one only in case (refused, not warned: a macOS or
 * Windows clone would silently hold one file of the two).
 */
export function assertPathFree(path: string, existing: Iterable<string>): void {
  for (const other of existing) {
    const clash = pathClash(path, other);
    if (clash) throw new AppError('ERR_PATH_EXISTS', clash);
  }
}

/**
 * A folder path as typed (`src/` or `src`): NFC, without the one trailing `/`. Anything that is
 * not text is passed on unchanged, for `validatePath` to refuse; where it is not validated (the
 * folder a move or delete starts from, which may predate today's rule), it must still be text.
 */
export function folderPath(input: unknown): string {
  if (typeof input !== 'string') throw new AppError('ERR_INVALID_PATH', 'A path must be text.');
  const path = input.normalize('NFC');
  return path.endsWith('/') ? path.slice(0, -1) : path;
}

/**
 * Throws ERR_PATH_EXISTS when the folder `path` cannot join existing `files` and `folders`, or,
 * with `pathIsFile`, when the file `path` cannot sit beside those `folders` (a folder may hold
 * what is under it; a file and a folder cannot share a name; no case-only twins).
 */
export function assertFolderFree(
  path: string,
  files: Iterable<string>,
  folders: Iterable<string>,
  pathIsFile = false,
): void {
  for (const file of files) {
    const clash = folderClash(path, file, false);
    if (clash) throw new AppError('ERR_PATH_EXISTS', clash);
  }
  for (const folder of folders) {
    const clash = pathIsFile ? folderClash(folder, path, false) : folderClash(path, folder, true);
    if (clash) throw new AppError('ERR_PATH_EXISTS', clash);
  }
}
