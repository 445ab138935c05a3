/**
 * The real git binary, run over a bare repository for the work isomorphic-git does not do (push
 * quarantines, bundles): no shell, arguments as an array, a clean environment (no system or global
 * config, HOME set by the caller, no prompts, C locale), output collected in memory.
 */
import { spawn } from 'node:child_process';

/** A clean environment for git: nothing from the system's or a user's config, never a prompt. */
export function gitEnv(home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    HOME: home,
    GIT_TERMINAL_PROMPT: '0',
    LC_ALL: 'C',
  };
}

export interface GitRunOptions {
  /** Written to git's standard input. */
  input?: Buffer;
  /** Kill git after this long (ms); no limit unless given. */
  timeoutMs?: number;
}

/**
 * Runs `git --git-dir <gitDir> <args>` and returns what it printed. A non-zero exit rejects with an
 * Error whose message names the command and whose `stderr` holds what git said.
 */
export function gitIn(gitDir: string, args: readonly string[], opts: GitRunOptions = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['--git-dir', gitDir, ...args], {
      shell: false,
      env: gitEnv(gitDir),
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(opts.timeoutMs ? { timeout: opts.timeoutMs } : {}),
    });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) return resolve(Buffer.concat(out));
      reject(
        Object.assign(new Error(`git ${args[0]} failed (${signal ?? code}): ${stderr.trim()}`), { stderr }),
      );
    });
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input);
  });
}

/** The bytes of the blobs `oids`, in order, read with one `git cat-file --batch`. */
export async function catBlobs(gitDir: string, oids: readonly string[]): Promise<Buffer[]> {
  if (oids.length === 0) return [];
  const out = await gitIn(gitDir, ['cat-file', '--batch'], { input: Buffer.from(`${oids.join('\n')}\n`) });
  const blobs: Buffer[] = [];
  let at = 0;
  for (const oid of oids) {
    const nl = out.indexOf(0x0a, at);
    const header = out.subarray(at, nl).toString('latin1').split(' ');
    if (header[0] !== oid || header[1] !== 'blob') throw new Error(`git cat-file: ${header.join(' ')}`);
    const size = Number(header[2]);
    blobs.push(out.subarray(nl + 1, nl + 1 + size));
    at = nl + 1 + size + 1;
  }
  return blobs;
}
