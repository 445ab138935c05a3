/**
 * Reading and compare-and-swap updating of refs.
 *
 * We read refs ourselves rather than through isomorphic-git's `resolveRef`, which treats an
 * empty or garbled loose ref file as missing: the next commit would then silently start a new
 * root and orphan the whole history. Here a ref file that exists but holds no object id is an
 * error, never "no commits yet".
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { AppError } from '../errors/app-error.js';
import { writeFileAtomic } from './atomic-fs.js';
import type { Repo } from './repo.js';

const OID = /^[0-9a-f]{40}$/;

/**
 * The object id a ref points at (`refs/heads/main`, `refs/notes/comments`…), following a
 * symbolic ref, looking in the loose file then in `packed-refs` (where `git gc` may move it).
 * Returns null when the ref does not exist.
 */
export async function readRef(repo: Repo, ref: string, depth = 0): Promise<string | null> {
  let loose: string | null = null;
  try {
    loose = await fsp.readFile(path.join(repo.dir, ref), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR' && code !== 'EISDIR') throw err;
  }
  if (loose !== null) {
    const value = loose.trim();
    if (OID.test(value)) return value;
    if (value.startsWith('ref: ') && depth < 5) return readRef(repo, value.slice(5).trim(), depth + 1);
    throw new Error(`Ref ${ref} in ${repo.dir} is corrupt (${JSON.stringify(value.slice(0, 50))}).`);
  }
  return (await readPackedRefs(repo)).get(ref) ?? null;
}

/** The `packed-refs` file as ref → object id (peeled `^` lines are skipped). */
export async function readPackedRefs(repo: Repo): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let text: string;
  try {
    text = await fsp.readFile(path.join(repo.dir, 'packed-refs'), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return out;
    throw err;
  }
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.startsWith('^')) continue;
    const space = line.indexOf(' ');
    if (space !== 40) continue;
    out.set(line.slice(41).trim(), line.slice(0, 40));
  }
  return out;
}

/**
 * Moves `ref` to `newOid` only if it still points at `expected` (null: only if it does not exist
 * yet); otherwise throws ERR_CONFLICT. Must run under the repo's writer, which makes the check
 * and the write one step for everything in this process; the value is re-read right before the
 * atomic rename, so a ref moved by another program meanwhile is caught too (bar a microsecond
 * window: there is no cross-process lock, see repo.ts).
 */
export async function updateRef(
  repo: Repo,
  ref: string,
  newOid: string,
  expected: string | null,
): Promise<void> {
  if (!OID.test(newOid)) throw new AppError('ERR_INVALID_SHA', `Not an object id: ${newOid}`);
  if (!ref.startsWith('refs/') || ref.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw new AppError('ERR_VALIDATION', `Not a ref name: ${ref}`);
  }
  const current = await readRef(repo, ref);
  if (current !== expected) {
    throw new AppError(
      'ERR_CONFLICT',
      `${ref} moved (expected ${expected ?? 'no commit'}, found ${current ?? 'no commit'}); try again.`,
      { ref, expected, current },
    );
  }
  // Temp file in gitpad-tmp/, fsync, re-check, rename over the ref, fsync the directory. Every
  // object the new value needs was written (and synced) before this point.
  const file = path.join(repo.dir, ref);
  await fsp.mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(repo.dir, file, `${newOid}\n`, 'utf8', async () => {
    const now = await readRef(repo, ref);
    if (now !== expected) {
      throw new AppError('ERR_CONFLICT', `${ref} moved while it was being updated; try again.`, {
        ref,
        expected,
        current: now,
      });
    }
  });
}
