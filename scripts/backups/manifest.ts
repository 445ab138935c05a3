/**
 * The layout of a Gitpad backup directory and its manifest, `gitpad-backup.json`. The manifest is
 * written last: a directory without it is an interrupted backup, and restore refuses it.
 *
 * ```
 * <dir>/gitpad-backup.json   what is here (below)
 * <dir>/data/gitpad.sqlite   the embedded store, one consistent SQLite snapshot
 * <dir>/data/<file>          the other files of DATA_DIR (jwt-secret)
 * <dir>/repos/<path>.bundle  `git bundle` of every ref of REPOS_DIR/<path> (absent for a repo with no refs)
 * ```
 */
import fs from 'node:fs';
import path from 'node:path';

export const MANIFEST_FILE = 'gitpad-backup.json';
export const FORMAT_VERSION = 1;

export interface RepoEntry {
  /** Path under REPOS_DIR: `<sessionId>.git`, or `.archive/<name>.git` for a deleted session's. */
  path: string;
  /** Bundle file under the backup dir; null when the repo had no refs yet (a session never saved). */
  bundle: string | null;
  /** The repo's `HEAD` file as it was (`ref: refs/heads/main`). */
  head: string;
  /** The repo's `config` file as it was (Gitpad's settings: bare, no push). */
  config: string;
  /** ref name → object id, exactly what the bundle holds. */
  refs: Record<string, string>;
}

export interface Manifest {
  format: typeof FORMAT_VERSION;
  /** When the backup started (ISO 8601): every edit acknowledged before it is in the snapshot. */
  startedAt: string;
  finishedAt: string;
  /** `embedded`: the store is in data/. `mongo`: back MongoDB up with mongodump; only repos are here. */
  store: 'embedded' | 'mongo';
  /** Files under data/ other than the SQLite snapshot. */
  dataFiles: string[];
  repos: RepoEntry[];
}

export function readManifest(dir: string): Manifest {
  const file = path.join(dir, MANIFEST_FILE);
  let manifest: Manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new Error(
      missing
        ? `${dir} is not a complete Gitpad backup: ${MANIFEST_FILE} is missing (an interrupted backup has none).`
        : `${file} cannot be read: ${(err as Error).message}`,
    );
  }
  if (manifest.format !== FORMAT_VERSION) {
    throw new Error(
      `${file} is in backup format ${manifest.format}; this Gitpad reads format ${FORMAT_VERSION}.`,
    );
  }
  // Paths from the file are joined to the target dirs: none may lead outside them.
  for (const repo of manifest.repos) {
    const bundleOk = repo.bundle === null || repo.bundle === `repos/${repo.path}.bundle`;
    if (!REPO_PATH.test(repo.path) || !bundleOk)
      throw new Error(`${file}: bad repo entry ${JSON.stringify(repo.path)}`);
  }
  for (const name of manifest.dataFiles) {
    if (!DATA_FILE.test(name)) throw new Error(`${file}: bad data file name ${JSON.stringify(name)}`);
  }
  return manifest;
}

/** `<name>.git` or `.archive/<name>.git`, names of letters, digits, `.`, `_`, `-` (not `..`). */
const REPO_PATH = /^(?:\.archive\/)?[A-Za-z0-9][A-Za-z0-9._-]*\.git$/;
/** A plain file name in DATA_DIR. */
const DATA_FILE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Whether `dir` is missing or an empty directory. */
export function isEmptyDir(dir: string): boolean {
  try {
    return fs.readdirSync(dir).length === 0;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw err;
  }
}
