/**
 * Streams the output of a read-only git command run against a session's bare repository (a
 * version as a zip, a bundle): spawned with no shell, arguments as an array, a clean environment
 * (no system config; HOME is the repos dir, so no user config either), killed when the reader
 * goes away. A git failure ends the stream with an error, so a download is cut short rather than
 * ending as if complete.
 */
import { spawn } from 'node:child_process';
import { PassThrough, type Readable } from 'node:stream';
import { gitEnv } from './cli.js';
import type { Repo } from './repo.js';

export interface GitStream {
  /** The command's standard output. */
  stdout: Readable;
  /** Kills git (the client went away); safe to call after it ended. */
  kill(): void;
}

/** Runs `git <args>` in `repo` and streams what it prints. `args` must hold only trusted values. */
export function gitOutput(repo: Repo, reposDir: string, args: readonly string[]): GitStream {
  const child = spawn('git', ['--git-dir', repo.dir, ...args], {
    shell: false,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: gitEnv(reposDir),
  });
  const out = new PassThrough();
  let stderr = '';
  let finished = false;
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    if (stderr.length < 4000) stderr += d;
  });
  child.stdout.pipe(out, { end: false });
  child.on('error', (err) => {
    finished = true;
    out.destroy(err);
  });
  child.on('close', (code, signal) => {
    finished = true;
    if (code === 0) out.end();
    else out.destroy(new Error(`git ${args[0]} failed (${signal ?? code}): ${stderr.trim()}`));
  });
  return {
    stdout: out,
    kill() {
      if (!finished) child.kill('SIGKILL');
    },
  };
}
