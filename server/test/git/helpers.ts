/** Shared helpers for the git library tests: temp repos dirs and the real git binary as judge. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { AppError } from '../../src/errors/app-error.js';
import type { ErrorCode } from '../../src/protocol/errors.js';

/** git's environment in tests: no user or system config (a developer's diff.noprefix would skew diffs). */
export const GIT_ENV = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  LC_ALL: 'C',
  TZ: 'UTC',
};

/** A fresh temp directory, removed by the returned cleanup. */
export function tempDir(prefix = 'gitpad-git-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs git on a bare repo and returns stdout; throws with stderr when git fails. */
export function git(gitdir: string, ...args: string[]): string {
  return execFileSync('git', ['--git-dir', gitdir, ...args], {
    env: GIT_ENV,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
}

/** Asserts `git fsck --full --strict` finds nothing wrong (exit 0, nothing on stderr). */
export function expectFsckClean(gitdir: string): void {
  const res = spawnSync('git', ['--git-dir', gitdir, 'fsck', '--full', '--strict', '--no-dangling'], {
    env: GIT_ENV,
    encoding: 'utf8',
  });
  expect(res.status, `git fsck failed:\n${res.stdout}${res.stderr}`).to.equal(0);
  // "notice:" lines (an empty repo has no refs yet) are not problems.
  const problems = res.stderr.split('\n').filter((l) => l.trim() && !l.startsWith('notice:'));
  expect(problems, 'git fsck warnings').to.deep.equal([]);
}

/** Asserts the promise rejects with an AppError of `code`, and returns it. */
export async function expectAppError(promise: Promise<unknown>, code: ErrorCode): Promise<AppError> {
  try {
    await promise;
  } catch (err) {
    expect(err, String(err)).to.be.instanceOf(AppError);
    expect((err as AppError).code, (err as Error).message).to.equal(code);
    return err as AppError;
  }
  expect.fail(`expected ${code}, but it resolved`);
}

/** The same for a synchronous call. */
export function expectAppErrorSync(fn: () => unknown, code: ErrorCode): AppError {
  try {
    fn();
  } catch (err) {
    expect(err, String(err)).to.be.instanceOf(AppError);
    expect((err as AppError).code, (err as Error).message).to.equal(code);
    return err as AppError;
  }
  expect.fail(`expected ${code}, but it returned`);
}

/** A commit author for tests. */
export const ALICE = { name: 'Alice Liddell', email: 'alice@example.com' };
export const BOB = { name: 'Bob Builder', email: 'bob@example.com' };
