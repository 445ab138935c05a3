/**
 * File paths as the session service sees them: the create/rename rule (`checkPath` in
 * protocol/paths.ts, the same one the client checks before sending) and the clash rule, wrapped
 * in the errors the service throws.
 */
import { AppError } from '../errors/app-error.js';
import { caseFoldKey, checkPath, folderClash, pathClash } from '../protocol/paths.js';

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

interface PrefixEntry {
  /** The prefixes, exactly as written, that fold to this key. */
  exact: Set<string>;
  /** The files, exactly as written, that fold to this key. */
  files: Set<string>;
  /** One path that has this prefix, to name in a message. */
  example: string;
}

/**
 * `pathClash` against many paths at once, in O(depth) per question instead of O(paths): for a
 * 10,000-file import into a 5,000-file session. Indexes every file and every folder on its way by
 * `caseFoldKey`; a new path clashes when one of its folders is an existing file, when it is an
 * existing file or folder, or when it differs from an existing path only in case on the way.
 */
export class PathIndex {
  private readonly byKey = new Map<string, PrefixEntry>();

  constructor(paths: Iterable<string> = []) {
    for (const p of paths) this.add(p);
  }

  add(path: string): void {
    const segments = path.split('/');
    for (let i = 1; i <= segments.length; i++) {
      const prefix = segments.slice(0, i).join('/');
      const key = caseFoldKey(prefix);
      let entry = this.byKey.get(key);
      if (!entry) {
        entry = { exact: new Set(), files: new Set(), example: path };
        this.byKey.set(key, entry);
      }
      entry.exact.add(prefix);
      if (i === segments.length) entry.files.add(prefix);
    }
  }

  /** Why `path` cannot be added (as `pathClash` says it), or null. */
  clash(path: string): string | null {
    const segments = path.split('/');
    for (let i = 1; i <= segments.length; i++) {
      const prefix = segments.slice(0, i).join('/');
      const entry = this.byKey.get(caseFoldKey(prefix));
      if (!entry) return null;
      const last = i === segments.length;
      if (last || !entry.exact.has(prefix) || entry.files.has(prefix)) {
        const other = entry.files.has(prefix) ? prefix : entry.example;
        return pathClash(path, other) ?? `"${path}" clashes with "${other}".`;
      }
    }
    return null;
  }
}
