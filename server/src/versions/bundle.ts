/**
 * Reading a git bundle for "New session from a git bundle" (issue 14, item 2): the files of one
 * branch's tree, never its history (`git push` keeps history). The real git binary does the
 * reading, spawned with no shell and a clean environment, in a temporary bare repository made
 * in the session repository's `gitpad-tmp/` (removed afterwards, and by `cleanupRepo` after a crash): `git bundle verify` (an
 * empty repository has no prerequisites, so a bundle that needs any is refused), `git fetch` of
 * the chosen branch, `git ls-tree -r -l` (sizes, checked against the import caps before any blob
 * is read, so a bundle whose objects inflate far past its own size stops there), `git cat-file
 * --batch` for the bytes.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { AppError } from '../errors/app-error.js';
import { catBlobs, gitIn } from '../git/cli.js';
import { EXECUTABLE_MODE } from '../protocol/binary.js';
import type { UnzipLimits } from './unzip.js';

/** One entry of the bundle's tree; `kind` other than 'file' is refused unless the path is ignored. */
export interface BundleEntry {
  path: string;
  kind: 'file' | 'symlink' | 'submodule';
  oid: string;
  size: number;
  mode?: typeof EXECUTABLE_MODE;
}

function invalid(detail: string): AppError {
  return new AppError('ERR_INVALID_BUNDLE', `The body is not a usable git bundle: ${detail}`);
}

async function run(gitDir: string, args: string[]): Promise<string> {
  return (await gitIn(gitDir, args, { timeoutMs: 120_000 })).toString('utf8');
}

/** The ref to import: HEAD, else refs/heads/main, else the only branch. */
export function chooseRef(heads: Array<{ oid: string; ref: string }>): string {
  const names = heads.map((h) => h.ref);
  if (names.includes('HEAD')) return 'HEAD';
  if (names.includes('refs/heads/main')) return 'refs/heads/main';
  const branches = names.filter((n) => n.startsWith('refs/heads/'));
  if (branches.length === 1) return branches[0]!;
  throw invalid(
    branches.length === 0
      ? 'it holds no branch (make it with "git bundle create project.bundle --all").'
      : `it holds no HEAD and no main branch, and ${branches.length} others: bundle just the branch to import.`,
  );
}

/**
 * The tree of `bundle`'s HEAD (or main, or its only branch), as entries with their sizes; `read`
 * then gives the bytes of the entries asked for. Everything happens in a temporary directory
 * under `scratchParent`, removed by `close()`. Throws ERR_INVALID_BUNDLE (unreadable, needs
 * commits the session lacks, no branch to pick), ERR_TOO_LARGE, ERR_ZIP_BOMB (past the import caps).
 */
export async function openBundle(
  bundle: Buffer,
  scratchParent: string,
  limits: UnzipLimits,
): Promise<{
  entries: BundleEntry[];
  read: (entries: BundleEntry[]) => Promise<Buffer[]>;
  close: () => Promise<void>;
}> {
  await fsp.mkdir(scratchParent, { recursive: true });
  const scratch = await fsp.mkdtemp(path.join(scratchParent, 'gitpad-bundle-'));
  const close = () => fsp.rm(scratch, { recursive: true, force: true });
  try {
    const file = path.join(scratch, 'import.bundle');
    const gitDir = path.join(scratch, 'repo.git');
    await fsp.writeFile(file, bundle);
    await run(gitDir, ['init', '--bare', '-q', gitDir]);
    try {
      await run(gitDir, ['bundle', 'verify', '-q', file]);
    } catch (err) {
      const said = ((err as { stderr?: string }).stderr ?? '').trim().split('\n')[0] ?? '';
      throw invalid(said.replace(/^(error|fatal): /, '') || 'git could not read it.');
    }
    const heads = (await run(gitDir, ['bundle', 'list-heads', file]))
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [oid = '', ref = ''] = line.split(' ');
        return { oid, ref };
      });
    const ref = chooseRef(heads);
    try {
      await run(gitDir, ['fetch', '-q', '--no-tags', file, `${ref}:refs/heads/import`]);
    } catch {
      throw invalid(`git could not fetch ${ref} from it.`);
    }
    const listing = await run(gitDir, ['ls-tree', '-r', '-l', '-z', '--full-tree', 'refs/heads/import']);
    const entries: BundleEntry[] = [];
    let total = 0;
    for (const line of listing.split('\0')) {
      if (!line) continue;
      const tab = line.indexOf('\t');
      const [mode = '', , oid = '', sizeText = '-'] = line.slice(0, tab).split(/ +/);
      const p = line.slice(tab + 1);
      const size = sizeText === '-' ? 0 : Number(sizeText);
      if (entries.length >= limits.maxEntries || total + size > limits.maxTotalBytes)
        throw new AppError(
          'ERR_ZIP_BOMB',
          `The bundle's files come to more than ${limits.maxTotalBytes} bytes or ${limits.maxEntries} files, the most one import may hold.`,
          { maxBytes: limits.maxTotalBytes, maxEntries: limits.maxEntries },
        );
      total += size;
      const kind = mode === '120000' ? 'symlink' : mode === '160000' ? 'submodule' : 'file';
      entries.push({ path: p, kind, oid, size, ...(mode === '100755' ? { mode: EXECUTABLE_MODE } : {}) });
    }
    return {
      entries,
      read: (wanted) =>
        catBlobs(
          gitDir,
          wanted.map((e) => e.oid),
        ),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
