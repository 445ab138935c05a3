/**
 * File paths as the session service sees them: the create/rename rule (`checkPath` in
 * protocol/paths.ts, the same one the client checks before sending) and the clash rule, wrapped
 * in the errors the service throws.
 */
import { AppError } from '../errors/app-error.js';
import { checkPath, pathClash } from '../protocol/paths.js';

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
