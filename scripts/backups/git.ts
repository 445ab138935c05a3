/** The git binary for backups and restores: no prompts, no user or system config. */
import { execFile } from 'node:child_process';

export function git(args: string[], opts: { cwd?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      {
        cwd: opts.cwd,
        maxBuffer: 256 * 1024 * 1024,
        env: {
          PATH: process.env.PATH,
          GIT_CONFIG_NOSYSTEM: '1',
          GIT_CONFIG_GLOBAL: '/dev/null',
          GIT_TERMINAL_PROMPT: '0',
          LC_ALL: 'C',
        },
      },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`git ${args.join(' ')}: ${String(stderr).trim() || err.message}`));
        else resolve(String(stdout));
      },
    );
  });
}

/** `ref → oid` from `git for-each-ref` output of `%(objectname) %(refname)` lines. */
export function parseRefs(out: string): Record<string, string> {
  const refs: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const at = line.indexOf(' ');
    if (at > 0) refs[line.slice(at + 1)] = line.slice(0, at);
  }
  return refs;
}

export const listRefs = async (gitDir: string) =>
  parseRefs(await git(['--git-dir', gitDir, 'for-each-ref', '--format=%(objectname) %(refname)']));
