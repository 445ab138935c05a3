/**
 * File paths as the git layer sees them. The rule itself is `checkTreePath` in
 * protocol/paths.ts (shared with the create rule and the client); this wraps it in the error the
 * git layer throws, and orders paths as git does.
 *
 * isomorphic-git writes any name into a tree, but git clients refuse trees holding `.git`, `..`,
 * empty names or names with `/` (`git fsck` reports them, `git clone` aborts on them), so a bad
 * name would make the whole session uncloneable: every tree entry goes through the rule.
 */
import { AppError } from '../errors/app-error.js';
import { checkTreePath, entryNameProblem } from '../protocol/paths.js';

/** Throws ERR_INVALID_PATH unless `name` may be one tree entry (one path segment). */
export function validateEntryName(name: string): void {
  const problem = entryNameProblem(name);
  if (problem) throw new AppError('ERR_INVALID_PATH', problem);
}

/**
 * Validates a `/`-separated file path for a tree and returns its segments. Throws
 * ERR_INVALID_PATH, with the reason, for anything `checkTreePath` refuses.
 */
export function splitPath(filePath: string): string[] {
  const checked = checkTreePath(filePath);
  if (!checked.ok) throw new AppError('ERR_INVALID_PATH', checked.reason);
  return filePath.split('/');
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
