/**
 * Keeping repos packed, with the real git binary, and checking that git is there at all.
 *
 * isomorphic-git writes one loose object per blob, tree and commit. A repo of a few thousand
 * loose objects clones ~10× slower than the same repo packed (measured: 3,650 objects, ~2 s
 * against ~0.2 s), so once loose objects pile up past a threshold we run `git repack -adq` and
 * drop the unreachable leftovers, under the repo's writer with readers held back (repack deletes
 * files a reader could be about to open).
 */
import { execFile } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { AppError } from '../errors/app-error.js';
import type { Repo } from './repo.js';

const run = promisify(execFile);

/** Oldest git we support: `git http-backend` and the repack/prune options we use are all older. */
export const MIN_GIT_VERSION = '2.30.0';

/** Environment for git child processes: no prompts, no user or system config surprises. */
function gitEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    LC_ALL: 'C',
  };
}

/**
 * Returns the installed git version ("2.39.5"). Throws ERR_UNAVAILABLE with a readable sentence
 * when git is missing or older than 2.30: the server needs it for clones and maintenance.
 */
export async function checkGit(gitBinary = 'git'): Promise<string> {
  let stdout: string;
  try {
    ({ stdout } = await run(gitBinary, ['--version'], { env: gitEnv(), timeout: 10_000 }));
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new AppError(
      'ERR_UNAVAILABLE',
      missing
        ? `git is not installed (or not on PATH). Gitpad needs git ${MIN_GIT_VERSION} or newer: install it (e.g. "apt install git").`
        : `Could not run "${gitBinary} --version": ${(err as Error).message}`,
    );
  }
  const match = /git version (\d+)\.(\d+)(?:\.(\d+))?/.exec(stdout);
  if (!match) throw new AppError('ERR_UNAVAILABLE', `Unrecognized git version output: ${stdout.trim()}`);
  const version = [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
  const min = MIN_GIT_VERSION.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    if (version[i]! > min[i]!) break;
    if (version[i]! < min[i]!) {
      throw new AppError(
        'ERR_UNAVAILABLE',
        `git ${version.join('.')} is too old: Gitpad needs ${MIN_GIT_VERSION} or newer.`,
      );
    }
  }
  return version.join('.');
}

/** Counts loose objects (files in `objects/xx/`). */
export async function countLooseObjects(repo: Repo): Promise<number> {
  const objects = path.join(repo.dir, 'objects');
  let count = 0;
  for (const dir of await fsp.readdir(objects)) {
    if (!/^[0-9a-f]{2}$/.test(dir)) continue;
    try {
      count += (await fsp.readdir(path.join(objects, dir))).filter((f) => /^[0-9a-f]{38}$/.test(f)).length;
    } catch {
      // Removed meanwhile by a prune: nothing to count.
    }
  }
  return count;
}

/** Options of `maintainRepo`. */
export interface MaintenanceOptions {
  /** Repack when at least this many loose objects exist (default 256). 0 repacks every time. */
  looseObjectThreshold?: number;
  gitBinary?: string;
  /** Kill git after this long, ms (default 5 minutes). */
  timeoutMs?: number;
}

/** What `maintainRepo` did. */
export interface MaintenanceResult {
  looseBefore: number;
  repacked: boolean;
}

/**
 * Packs the repo when loose objects reach the threshold: `git repack -adq` (one pack, redundant
 * packs and packed loose objects deleted), then `git prune --expire=1.day.ago` for unreachable
 * loose objects (leftovers of interrupted writes; a binary file's blob waiting for its first
 * commit is younger than that), then `git pack-refs --all`. Runs under the repo's writer with reads held back.
 */
export async function maintainRepo(repo: Repo, opts: MaintenanceOptions = {}): Promise<MaintenanceResult> {
  const threshold = opts.looseObjectThreshold ?? 256;
  const looseBefore = await countLooseObjects(repo);
  if (looseBefore < threshold) return { looseBefore, repacked: false };
  await repo.writer.exclusive(async () => {
    if (repo.closed) return;
    const git = async (...args: string[]) =>
      run(opts.gitBinary ?? 'git', ['--git-dir', repo.dir, ...args], {
        env: gitEnv(),
        timeout: opts.timeoutMs ?? 300_000,
        maxBuffer: 16 * 1024 * 1024,
      });
    await git('repack', '-a', '-d', '-q');
    // Not `now`: a binary file's blob is written when it arrives and only referenced by the next
    // commit (protocol/binary.ts); a day covers that wait, even through failing commits.
    await git('prune', '--expire=1.day.ago');
    await git('pack-refs', '--all', '--prune');
    // Packs were replaced: drop isomorphic-git's cached pack indexes.
    repo.cache = {};
  });
  return { looseBefore, repacked: true };
}

/**
 * Runs `git gc --auto --quiet` under the repo's writer with reads held back: git's own
 * thresholds decide whether anything happens (a cheap no-op most of the time).
 */
export async function gcAuto(
  repo: Repo,
  opts: Pick<MaintenanceOptions, 'gitBinary' | 'timeoutMs'> = {},
): Promise<void> {
  await repo.writer.exclusive(async () => {
    await run(opts.gitBinary ?? 'git', ['--git-dir', repo.dir, 'gc', '--auto', '--quiet'], {
      env: gitEnv(),
      timeout: opts.timeoutMs ?? 300_000,
    });
    repo.cache = {};
  });
}
