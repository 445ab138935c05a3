/** The real git client, run against our server over loopback, with no user config or prompts. */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'gitpad-git-home-'));

export function git(args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<GitResult> {
  return new Promise((resolve) => {
    execFile(
      'git',
      args,
      {
        cwd: opts.cwd,
        timeout: opts.timeoutMs ?? 30_000,
        maxBuffer: 64 * 1024 * 1024,
        env: {
          PATH: process.env.PATH,
          HOME: home,
          GIT_CONFIG_NOSYSTEM: '1',
          GIT_TERMINAL_PROMPT: '0',
          GIT_ASKPASS: 'true',
          LC_ALL: 'C',
          GIT_AUTHOR_NAME: 'Test',
          GIT_AUTHOR_EMAIL: 'test@example.invalid',
          GIT_COMMITTER_NAME: 'Test',
          GIT_COMMITTER_EMAIL: 'test@example.invalid',
        },
      },
      (err, stdout, stderr) => {
        const code = err
          ? typeof (err as { code?: unknown }).code === 'number'
            ? (err as { code: number }).code
            : 1
          : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

/** `http://user:secret@host/git/<id>.git` with both parts URL-encoded. */
export function cloneUrl(base: string, sessionId: string, user?: string, secret?: string): string {
  const u = new URL(`${base}/git/${sessionId}.git`);
  if (user !== undefined) u.username = encodeURIComponent(user);
  if (secret !== undefined) u.password = encodeURIComponent(secret);
  return u.toString();
}

export function tempDir(prefix = 'gitpad-clone-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Runs git on a session's bare repository under `reposDir`. */
export function gitInRepo(reposDir: string, sessionId: string, args: string[]): Promise<GitResult> {
  return git(['--git-dir', path.join(reposDir, `${sessionId}.git`), ...args]);
}
