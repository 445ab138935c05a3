/**
 * The one rule for file paths in a session, shared by server and client (no Node imports), so a
 * browser refuses exactly what the server refuses, before sending.
 *
 * A path becomes git tree entries, so two rules live here, one stricter than the other:
 *
 * - `checkPath` is the rule for a path being **made** (a file created or renamed). It refuses what
 *   git's fsck refuses, what would escape the tree, and what checks out wrongly on a common file
 *   system: `.gitmodules` in every spelling, names that start or end with white space or end in
 *   `.` (Windows drops trailing dots and spaces, so `a.` and `a` are one file there), control and
 *   line-separator characters, names over 255 UTF-8 bytes, paths over 4096.
 * - `checkTreePath` is the rule for a path being **committed** (written into a tree). It refuses
 *   only what would make the repository itself bad (git clients reject the tree, or the name cannot
 *   be stored), so a session that holds a name an older, looser create rule let in still commits.
 *   Every path `checkPath` accepts, `checkTreePath` accepts (tested by property in
 *   server/test/unit/protocol/paths.test.ts): a path accepted at create can never wedge a commit.
 *
 * Case-only clashes (`A.js` beside `a.js`) are legal in git but make one file of two on macOS and
 * Windows clones; they depend on the other paths in the session, so they are not part of either
 * rule: `caseFoldKey` gives the key the session service compares when a path is made.
 */
import { isHighSurrogate, isLowSurrogate } from './text-ops.js';

/** Longest name of one file or folder, in UTF-8 bytes: the common file-system limit. */
export const MAX_NAME_BYTES = 255;
/** Longest path, in UTF-8 bytes (Linux PATH_MAX). */
export const MAX_PATH_BYTES = 4096;

export type PathCheck = { ok: true; path: string } | { ok: false; reason: string };

/**
 * Code points HFS+ ignores when comparing names, so `.g\u200cit` is `.git` on a Mac (git's fsck
 * rejects these spellings too).
 */
const HFS_IGNORABLE = /[\u200c-\u200f\u202a-\u202e\u206a-\u206f\ufeff]/g;

/** A lone UTF-16 surrogate cannot be encoded as UTF-8: git would store U+FFFD instead. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** What no tree entry may hold: C0 controls and DEL (git and terminals mangle them). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it rejects
const TREE_CONTROL = /[\u0000-\u001f\u007f]/;

/** What no new name may hold: also C1 controls and the Unicode line and paragraph separators. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it rejects
const NEW_CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/**
 * Length of `s` in UTF-8 bytes, as git stores it. A lone surrogate counts as the 3 bytes of
 * U+FFFD (what an encoder writes for it); paths holding one are refused anyway.
 */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (isHighSurrogate(c) && i + 1 < s.length) {
      if (isLowSurrogate(s.charCodeAt(i + 1))) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

/** A name as a reason quotes it: JSON-escaped (control characters show), long ones cut short. */
function quote(name: string): string {
  return JSON.stringify(name.length > 40 ? `${name.slice(0, 40)}…` : name);
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

/**
 * True for names that git, or a case-insensitive file system, would take for `.git`: any case,
 * HFS+-ignorable code points, NTFS trailing dots and spaces or a stream suffix
 * (`.git::$INDEX_ALLOCATION`), and the 8.3 short name `git~1`.
 */
export function isDotGit(name: string): boolean {
  const folded = fold(name);
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
 * Why `name` cannot be one tree entry (one path segment) in a commit, or null when it can: the
 * rule `checkTreePath` applies to every segment.
 */
export function entryNameProblem(name: string): string | null {
  if (typeof name !== 'string' || name.length === 0) return 'A file or folder name cannot be empty.';
  if (name.includes('/')) return `${quote(name)}: a name cannot contain "/".`;
  if (name.includes('\\'))
    return `${quote(name)}: a name cannot contain "\\" (Windows reads it as a folder).`;
  if (TREE_CONTROL.test(name)) return `${quote(name)}: a name cannot contain control characters.`;
  if (LONE_SURROGATE.test(name)) return `${quote(name)}: a name must be valid Unicode (a broken character).`;
  if (name === '.' || name === '..') return `"${name}" is not a valid name.`;
  if (isDotGit(name)) return `${quote(name)} is reserved by git.`;
  const bytes = utf8Length(name);
  if (bytes > MAX_NAME_BYTES)
    return `${quote(name)} is too long: ${bytes} bytes in UTF-8, at most ${MAX_NAME_BYTES}.`;
  return null;
}

/**
 * Why a file or folder cannot be created, or renamed, as `name`, or null when it can: the tree
 * rule, and also no `.gitmodules` in any spelling (git would parse it as submodule config; Gitpad
 * sessions cannot hold submodules), no C1 control or line/paragraph separator, no white space at
 * either end and no `.` at the end (Windows strips trailing dots and spaces: `a.` is `a` there).
 */
export function newEntryNameProblem(name: string): string | null {
  const tree = entryNameProblem(name);
  if (tree) return tree;
  if (NEW_CONTROL.test(name))
    return `${quote(name)}: a name cannot contain control or line-separator characters.`;
  if (isDotGitmodules(name))
    return `${quote(name)} is where git keeps submodules, and Gitpad sessions cannot hold submodules.`;
  if (name !== name.trim()) return `${quote(name)}: a name cannot start or end with white space.`;
  if (name.endsWith('.'))
    return `${quote(name)}: a name cannot end with "." (Windows drops it, so it would be another file's name there).`;
  return null;
}

/**
 * The rule for a path being made (a file created or renamed): the NFC-normalized path, or why it
 * is refused. Accepts anything (a request body field) and says so when it is not text.
 */
export function checkPath(input: unknown): PathCheck {
  if (typeof input !== 'string') return { ok: false, reason: 'A path must be text.' };
  const path = input.normalize('NFC');
  if (path.length === 0) return { ok: false, reason: 'A path cannot be empty.' };
  const bytes = utf8Length(path);
  if (bytes > MAX_PATH_BYTES)
    return { ok: false, reason: `The path is too long: ${bytes} bytes in UTF-8, at most ${MAX_PATH_BYTES}.` };
  if (path.startsWith('/'))
    return { ok: false, reason: 'A path must be relative: it cannot start with "/".' };
  if (path.endsWith('/')) return { ok: false, reason: 'A path ending in "/" names a folder, not a file.' };
  for (const segment of path.split('/')) {
    if (segment === '') return { ok: false, reason: `${quote(path)}: a path cannot contain "//".` };
    const problem = newEntryNameProblem(segment);
    if (problem) return { ok: false, reason: problem };
  }
  return { ok: true, path };
}

/**
 * The rule for a path being committed (written into a git tree): the path unchanged, or why git
 * would refuse the tree. Looser than `checkPath` (see the top of this file).
 */
export function checkTreePath(path: string): PathCheck {
  if (typeof path !== 'string' || path.length === 0)
    return { ok: false, reason: 'A file path cannot be empty.' };
  const bytes = utf8Length(path);
  if (bytes > MAX_PATH_BYTES)
    return { ok: false, reason: `The path is too long: ${bytes} bytes in UTF-8, at most ${MAX_PATH_BYTES}.` };
  for (const segment of path.split('/')) {
    if (segment === '')
      return { ok: false, reason: `${quote(path)}: a path cannot start or end with "/" or contain "//".` };
    const problem = entryNameProblem(segment);
    if (problem) return { ok: false, reason: problem };
  }
  return { ok: true, path };
}

/**
 * The key two paths share when a case-insensitive file system (macOS, Windows) would hold them as
 * one: NFC, HFS+-ignorable code points dropped, lower case. `A.js` and `a.js` share one.
 */
export function caseFoldKey(path: string): string {
  return fold(path.normalize('NFC'));
}

/** Two paths collide if they are equal, or one is a folder of the other (`a` and `a/b`). */
export function pathsCollide(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}

/**
 * Why a new `path` cannot sit beside `existing` in one session, or null when it can: the same
 * path, a file where a folder is (or the reverse), or a file or folder on the way that differs
 * from one of `existing`'s only in case (`src/A.js` beside `src/a.js`, `Src/x` beside `src/y`).
 */
export function pathClash(path: string, existing: string): string | null {
  if (pathsCollide(existing, path)) {
    return existing === path
      ? `"${path}" already exists.`
      : `"${path}" clashes with "${existing}" (a file and a folder cannot share a name).`;
  }
  return caseClash(path, existing);
}

/**
 * Why a folder cannot sit beside an existing file or folder (or a file beside an existing folder),
 * or null when it can: the same rule as `pathClash`, except that a folder may hold what is under it
 * (folder `src` beside file `src/a.js` or folder `src/lib` is fine). `existingIsFolder` says what
 * `existing` is; `folder` is always a folder, `existing` a file unless said otherwise.
 */
export function folderClash(folder: string, existing: string, existingIsFolder: boolean): string | null {
  if (existing === folder) {
    return existingIsFolder
      ? `"${folder}" already exists.`
      : `"${folder}" clashes with the file "${existing}" (a file and a folder cannot share a name).`;
  }
  if (!existingIsFolder && folder.startsWith(`${existing}/`)) {
    return `"${folder}" clashes with the file "${existing}" (a file and a folder cannot share a name).`;
  }
  return caseClash(folder, existing);
}

/** Why `path` and `existing` would be one on a case-insensitive file system, or null. */
function caseClash(path: string, existing: string): string | null {
  const a = path.split('/');
  const b = existing.split('/');
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] === b[i]) continue;
    if (caseFoldKey(a[i]!) !== caseFoldKey(b[i]!)) return null;
    const mine = a.slice(0, i + 1).join('/');
    const theirs = b.slice(0, i + 1).join('/');
    return `"${mine}" differs from "${theirs}" only in case; macOS and Windows clones would hold one file.`;
  }
  return null;
}

/**
 * A path typed relative to `folder` ('' for the top) resolved to a session path: `../web/lib.rs`
 * and `web/lib.rs` from the folder, `/web/lib.rs` from the top; `.` segments drop and `..` goes up.
 * Returns the path (still to be checked by `checkPath`), or why it cannot be resolved (it climbs
 * above the top). Empty segments are kept, so `checkPath` names a `//`.
 */
export function resolvePath(folder: string, input: string): PathCheck {
  const fromTop = input.startsWith('/');
  const out = fromTop || folder === '' ? [] : folder.split('/');
  const segments = (fromTop ? input.slice(1) : input).split('/');
  for (const [i, segment] of segments.entries()) {
    if (segment === '.' && i < segments.length - 1) continue;
    if (segment === '..') {
      if (out.length === 0) return { ok: false, reason: `"${input}" goes above the session's top folder.` };
      out.pop();
      continue;
    }
    out.push(segment);
  }
  return { ok: true, path: out.join('/') };
}

/** True when `path` is meant relative to a file's folder (starts with `./` or `../`). */
export function isRelativePath(path: string): boolean {
  return path.startsWith('./') || path.startsWith('../');
}
