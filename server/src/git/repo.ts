/**
 * Session repositories: `<reposDir>/<sessionId>.git`, bare, default branch `main`.
 *
 * A `Repo` is the handle every other module in this folder takes. There is exactly one handle
 * per repository directory in a process (kept in a registry keyed by path), because the handle
 * carries the repo's serialized writer and its isomorphic-git cache: two handles on one repo
 * would mean two writers, which is the lost-update bug the writer exists to prevent.
 *
 * Assumption: one server process writes a given repo. Several processes (the MongoDB + Redis
 * deployment) must route a session's git writes to one process; there is no cross-process lock.
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { AppError } from '../errors/app-error.js';
import { isSessionId } from '../protocol/doc-ids.js';
import { type AtomicFs, cleanupRepo, createAtomicFs } from './atomic-fs.js';
import { RepoWriter } from './writer.js';

/** The one branch a session has. */
export const MAIN_REF = 'refs/heads/main';

/** An open session repository. Obtain it from `initRepo` or `openRepo`, never construct it. */
export class Repo {
  /** Long-lived isomorphic-git cache (parsed pack indexes); replaced after a repack. */
  cache: object = {};
  /** Flattened trees by tree id (path → blob id), small LRU; trees are immutable. */
  readonly treeCache = new Map<string, ReadonlyMap<string, string>>();
  /** Per-commit change stats by commit id, small LRU; commits are immutable. */
  readonly statsCache = new Map<
    string,
    { files: number; additions: number; deletions: number; tooLarge?: number }
  >();
  /** Comment counts per commit as of notes commit `notes` (notes commits are immutable). */
  commentCounts: { notes: string; counts: ReadonlyMap<string, number> } | null = null;
  readonly writer = new RepoWriter();
  /** Set once the repo is removed or archived: later writes fail instead of recreating files. */
  closed = false;

  constructor(
    /** The session id, validated. */
    readonly id: string,
    /** Absolute path of the bare repository. */
    readonly dir: string,
    readonly fs: AtomicFs,
  ) {}

  /** The `{fs, gitdir, cache}` triple every isomorphic-git call takes. */
  get git(): { fs: AtomicFs; gitdir: string; cache: object } {
    return { fs: this.fs, gitdir: this.dir, cache: this.cache };
  }

  /** Runs a write under this repo's writer (see writer.ts). */
  write<T>(fn: () => Promise<T>): Promise<T> {
    return this.writer.write(async () => {
      this.assertOpen();
      return fn();
    });
  }

  /** Runs a read; waits only while maintenance repacks. Never call `write` from inside. */
  read<T>(fn: () => Promise<T>): Promise<T> {
    return this.writer.read(async () => {
      this.assertOpen();
      return fn();
    });
  }

  private assertOpen(): void {
    if (this.closed)
      throw new AppError('ERR_SESSION_NOT_FOUND', `The repository of session ${this.id} is gone.`);
  }
}

/** Puts a value in one of the small LRU maps on a Repo. */
export function remember<V>(map: Map<string, V>, key: string, value: V, max = 256): V {
  map.delete(key);
  map.set(key, value);
  if (map.size > max) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
  return value;
}

/** Process-wide registry: one handle (so one writer) per repository directory. */
const handles = new Map<string, Promise<Repo>>();

/** Throws ERR_VALIDATION unless `sessionId` is a session id (protocol/doc-ids.ts; it becomes a directory name). */
export function validateSessionId(sessionId: string): void {
  if (!isSessionId(sessionId)) {
    throw new AppError(
      'ERR_VALIDATION',
      'A session id is 1 to 64 lowercase letters, digits or inner dashes.',
    );
  }
}

/** The bare repository directory of a session: `<reposDir>/<sessionId>.git` (absolute). */
/**
 * The session ids that have a repo under `reposDir` (`<id>.git` with a valid id), for the scans a
 * start runs (interrupted pushes, uncommitted edits). None when the folder does not exist yet.
 */
export async function repoSessionIds(reposDir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await fsp.readdir(reposDir);
  } catch {
    return [];
  }
  return names
    .filter((name) => name.endsWith('.git'))
    .map((name) => name.slice(0, -4))
    .filter((id) => isSessionId(id));
}

export function repoPath(reposDir: string, sessionId: string): string {
  validateSessionId(sessionId);
  return path.resolve(reposDir, `${sessionId}.git`);
}

const CONFIG = [
  '[core]',
  '\trepositoryformatversion = 0',
  '\tfilemode = true',
  '\tbare = true',
  // Clones are read-only (served by git http-backend); refuse pushes here too.
  '[http]',
  '\treceivepack = false',
  '',
].join('\n');

/**
 * Creates the bare repository of a session (HEAD → refs/heads/main, no commits) and returns its
 * handle. Idempotent: an existing repository is opened, not overwritten, so a session whose
 * creation was interrupted can simply call it again. The repo is built in a temp directory and
 * renamed into place, so a crash never leaves a half-made repo under the real name.
 */
export async function initRepo(reposDir: string, sessionId: string): Promise<Repo> {
  const dir = repoPath(reposDir, sessionId);
  // Concurrent inits of one session in this process share one attempt.
  let pending = inits.get(dir);
  if (!pending) {
    pending = createRepoDir(dir, sessionId).finally(() => inits.delete(dir));
    inits.set(dir, pending);
  }
  await pending;
  return openRepo(reposDir, sessionId);
}

const inits = new Map<string, Promise<void>>();

async function createRepoDir(dir: string, sessionId: string): Promise<void> {
  if (await isRepo(dir)) return;
  const parent = path.dirname(dir);
  await fsp.mkdir(parent, { recursive: true });
  // Staging directories of this session left by a crash during an earlier init.
  for (const name of await fsp.readdir(parent)) {
    if (name.startsWith(`.init-${sessionId}-`))
      await fsp.rm(path.join(parent, name), { recursive: true, force: true });
  }
  const staging = path.join(parent, `.init-${sessionId}-${randomBytes(4).toString('hex')}`);
  try {
    for (const sub of ['objects/info', 'objects/pack', 'refs/heads', 'refs/tags', 'info', 'hooks']) {
      await fsp.mkdir(path.join(staging, sub), { recursive: true });
    }
    await fsp.writeFile(path.join(staging, 'config'), CONFIG);
    await fsp.writeFile(path.join(staging, 'description'), `Gitpad session ${sessionId}\n`);
    await fsp.writeFile(path.join(staging, 'HEAD'), `ref: ${MAIN_REF}\n`);
    await syncTree(staging);
    try {
      await fsp.rename(staging, dir);
    } catch (err) {
      // Another process created it first (ENOTEMPTY/EEXIST): theirs is as good as ours.
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
    }
    await syncPath(parent);
  } finally {
    await fsp.rm(staging, { recursive: true, force: true });
  }
}

/**
 * Opens the repository of an existing session. The first open in a process removes what a crash
 * may have left behind (`cleanupRepo`). Throws ERR_SESSION_NOT_FOUND when there is no repo.
 */
export async function openRepo(reposDir: string, sessionId: string): Promise<Repo> {
  const dir = repoPath(reposDir, sessionId);
  let handle = handles.get(dir);
  if (!handle) {
    handle = (async () => {
      if (!(await isRepo(dir))) {
        throw new AppError('ERR_SESSION_NOT_FOUND', `Session ${sessionId} has no repository.`);
      }
      await cleanupRepo(dir);
      return new Repo(sessionId, dir, createAtomicFs(dir));
    })();
    handles.set(dir, handle);
    // A failed open must not poison the registry.
    handle.catch(() => handles.delete(dir));
  }
  return handle;
}

/** Deletes a session's repository for good, after writes already queued on it have finished. */
export async function removeRepo(reposDir: string, sessionId: string): Promise<void> {
  const dir = repoPath(reposDir, sessionId);
  await closeHandle(dir);
  await fsp.rm(dir, { recursive: true, force: true });
}

/**
 * Moves a session's repository to `<reposDir>/.archive/<sessionId>-<timestamp>.git` (after
 * queued writes finish) and returns the new path. Used when a session is deleted but its history
 * should be kept.
 */
export async function archiveRepo(reposDir: string, sessionId: string, now = new Date()): Promise<string> {
  const dir = repoPath(reposDir, sessionId);
  if (!(await isRepo(dir)))
    throw new AppError('ERR_SESSION_NOT_FOUND', `Session ${sessionId} has no repository.`);
  await closeHandle(dir);
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const archiveDir = path.resolve(reposDir, '.archive');
  await fsp.mkdir(archiveDir, { recursive: true });
  let target = path.join(archiveDir, `${sessionId}-${stamp}.git`);
  if (await exists(target))
    target = path.join(archiveDir, `${sessionId}-${stamp}-${randomBytes(3).toString('hex')}.git`);
  await fsp.rename(dir, target);
  return target;
}

async function closeHandle(dir: string): Promise<void> {
  const handle = handles.get(dir);
  if (!handle) return;
  handles.delete(dir);
  const repo = await handle.catch(() => null);
  if (!repo) return;
  // Queue behind pending writes, then refuse any later ones.
  await repo.writer.write(async () => {
    repo.closed = true;
  });
}

async function isRepo(dir: string): Promise<boolean> {
  return (await exists(path.join(dir, 'HEAD'))) && (await exists(path.join(dir, 'objects')));
}

async function exists(file: string): Promise<boolean> {
  try {
    await fsp.access(file);
    return true;
  } catch {
    return false;
  }
}

/** fsync every file and directory of a freshly made repo skeleton before it gets its real name. */
async function syncTree(dir: string): Promise<void> {
  for (const entry of await fsp.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await syncTree(full);
    else await syncPath(full);
  }
  await syncPath(dir);
}

async function syncPath(file: string): Promise<void> {
  const handle = await fsp.open(file, 'r');
  try {
    await handle.sync();
  } catch {
    // fsync on a directory is refused by a few file systems; the data itself was synced.
  } finally {
    await handle.close();
  }
}
