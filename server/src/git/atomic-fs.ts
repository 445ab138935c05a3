/**
 * A crash-safe `fs` for isomorphic-git.
 *
 * isomorphic-git writes objects and refs in place, with no rename and no fsync. A crash in the
 * middle of such a write leaves an empty ref (the next commit then silently starts a new root
 * commit) or a truncated object (which isomorphic-git never repairs, because it skips writing an
 * object whose file already exists). This module hands isomorphic-git an `fs` whose every write
 * goes to a temp file, is fsynced, and is then renamed over the target, with the directory
 * fsynced after the rename. isomorphic-git awaits each object write before it writes the ref, so
 * objects are durable before a ref can point at them.
 *
 * Temp files live in `<repo>/gitpad-tmp/`, never next to their target: a temp file under `refs/`
 * would be read as a ref by isomorphic-git (it lists refs by walking the directory) and by git.
 */
import { randomBytes } from 'node:crypto';
import { type Dirent, promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';

/** The directory, inside a repo, that holds in-flight temp files. Git ignores unknown directories. */
export const TMP_DIR_NAME = 'gitpad-tmp';

/** The promise-based fs shape isomorphic-git accepts (`{ promises: {...} }`). */
export interface AtomicFs {
  promises: {
    readFile: typeof fsp.readFile;
    writeFile(file: string, data: string | Uint8Array, options?: WriteOptions): Promise<void>;
    mkdir: typeof fsp.mkdir;
    rmdir: typeof fsp.rmdir;
    unlink: typeof fsp.unlink;
    stat: typeof fsp.stat;
    lstat: typeof fsp.lstat;
    readdir: typeof fsp.readdir;
    readlink: typeof fsp.readlink;
    symlink: typeof fsp.symlink;
    chmod: typeof fsp.chmod;
  };
}

type WriteOptions = BufferEncoding | { encoding?: BufferEncoding | null; mode?: number } | null;

let tmpCounter = 0;

/**
 * Writes `file` (inside the repo `gitdir`) atomically and durably: temp file in
 * `<gitdir>/gitpad-tmp/`, fsync, optional `beforeRename` check (a compare-and-swap hook: throw to
 * abandon the write), rename over the target, fsync the directory. The temp file is removed when
 * anything fails. A write outside `gitdir` is refused: the temp file must be on the same file
 * system as the target for the rename to be atomic, and we only ever write inside repos.
 */
export async function writeFileAtomic(
  gitdir: string,
  file: string,
  data: string | Uint8Array,
  options?: WriteOptions,
  beforeRename?: () => Promise<void>,
): Promise<void> {
  const root = path.resolve(gitdir);
  const target = path.resolve(file);
  if (!target.startsWith(root + path.sep)) {
    throw Object.assign(new Error(`atomic fs: refusing to write outside ${root}: ${target}`), {
      code: 'EPERM',
    });
  }
  const encoding = typeof options === 'string' ? options : (options?.encoding ?? undefined);
  const mode = typeof options === 'object' && options !== null ? options.mode : undefined;
  const tmpDir = path.join(root, TMP_DIR_NAME);
  await fsp.mkdir(tmpDir, { recursive: true });
  const tmp = path.join(tmpDir, `${process.pid}-${++tmpCounter}-${randomBytes(4).toString('hex')}`);
  const handle = await fsp.open(tmp, 'wx', mode ?? 0o644);
  try {
    try {
      await handle.writeFile(data, encoding ? { encoding } : {});
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (beforeRename) await beforeRename();
    await fsp.rename(tmp, target);
  } catch (err) {
    // Typically ENOENT because the target directory does not exist yet: isomorphic-git reacts
    // to any write error by creating the directory and writing again.
    await fsp.unlink(tmp).catch(() => {});
    throw err;
  }
  await fsyncDir(path.dirname(target));
}

/** Builds the atomic fs for one repository: reads pass through, `writeFile` is `writeFileAtomic`. */
export function createAtomicFs(gitdir: string): AtomicFs {
  const root = path.resolve(gitdir);
  return {
    promises: {
      readFile: fsp.readFile,
      writeFile: (file, data, options) => writeFileAtomic(root, file, data, options),
      mkdir: fsp.mkdir,
      rmdir: fsp.rmdir,
      unlink: fsp.unlink,
      stat: fsp.stat,
      lstat: fsp.lstat,
      readdir: fsp.readdir,
      readlink: fsp.readlink,
      symlink: fsp.symlink,
      chmod: fsp.chmod,
    },
  };
}

/** fsync a directory so a rename inside it survives a power loss, not only a process crash. */
async function fsyncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await fsp.open(dir, 'r');
    await handle.sync();
  } catch (err) {
    // Some file systems refuse fsync on a directory (EINVAL/EISDIR/EPERM); the rename itself is
    // still atomic there, so that is not worth failing a commit over.
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM' && code !== 'EBADF') throw err;
  } finally {
    await handle?.close();
  }
}

/** What `cleanupRepo` removed, for logging. */
export interface CleanupReport {
  removed: string[];
}

/**
 * Removes what a crash can leave behind in a repo: our own temp files, git's `*.lock` files
 * (a stale `refs/heads/main.lock` or `packed-refs.lock` makes every later git write fail) and
 * git's own temp object and pack files. Call it only when no writer is running on the repo:
 * at start, before the first write in this process (see `openRepo`).
 */
export async function cleanupRepo(gitdir: string): Promise<CleanupReport> {
  const root = path.resolve(gitdir);
  const removed: string[] = [];
  const remove = async (file: string) => {
    await fsp.rm(file, { force: true, recursive: true });
    removed.push(path.relative(root, file));
  };

  for (const entry of await readdirSafe(path.join(root, TMP_DIR_NAME))) {
    await remove(path.join(root, TMP_DIR_NAME, entry.name));
  }
  for (const entry of await readdirSafe(root)) {
    if (entry.isFile() && (entry.name.endsWith('.lock') || entry.name === 'gc.pid')) {
      await remove(path.join(root, entry.name));
    }
  }
  // Lock files anywhere under refs/ and logs/ (git writes `<ref>.lock` next to the ref).
  for (const sub of ['refs', 'logs']) {
    for (const file of await walkFiles(path.join(root, sub))) {
      if (file.endsWith('.lock')) await remove(file);
    }
  }
  // git's temp objects (`objects/xx/tmp_obj_*`), temp packs (`objects/pack/tmp_*`,
  // `.tmp-<pid>-pack-*`) and lock files of objects/info (commit-graph, multi-pack-index).
  for (const file of await walkFiles(path.join(root, 'objects'))) {
    const name = path.basename(file);
    if (name.startsWith('tmp_') || name.startsWith('.tmp-') || name.endsWith('.lock')) await remove(file);
  }
  return { removed };
}

async function readdirSafe(dir: string): Promise<Dirent[]> {
  try {
    return await fsp.readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

async function walkFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdirSafe(dir)) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walkFiles(full)));
    else out.push(full);
  }
  return out;
}
