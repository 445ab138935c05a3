/**
 * Reads a session's bare repository with the real `git` binary, as a fault test's ground truth:
 * what a commit holds, every text ever committed, and whether the repository is sound.
 */
import { spawn } from 'node:child_process';
import { git } from './git-cli.js';

const inRepo = (repo: string, args: string[]) => git(['--git-dir', repo, ...args]);

/** The sha `ref` points at, or null when it does not resolve (no commit yet). */
export async function resolveRef(repo: string, ref = 'main'): Promise<string | null> {
  const r = await inRepo(repo, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  return r.code === 0 ? r.stdout.trim() : null;
}

/** Commits reachable from `ref`, newest first (empty when there is none). */
export async function commitsOf(repo: string, ref = 'main'): Promise<string[]> {
  if (!(await resolveRef(repo, ref))) return [];
  const r = await inRepo(repo, ['rev-list', ref]);
  if (r.code !== 0) throw new Error(`git rev-list ${ref}: ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean);
}

/** Path → text of every file in the tree of `rev` (`git ls-tree -r` then one `git show` each). */
export async function treeFiles(repo: string, rev = 'main'): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  if (!(await resolveRef(repo, rev))) return files;
  const ls = await inRepo(repo, ['ls-tree', '-r', '-z', '--full-tree', rev]);
  if (ls.code !== 0) throw new Error(`git ls-tree ${rev}: ${ls.stderr}`);
  for (const entry of ls.stdout.split('\0').filter(Boolean)) {
    const path = entry.slice(entry.indexOf('\t') + 1);
    const show = await inRepo(repo, ['show', `${rev}:${path}`]);
    if (show.code !== 0) throw new Error(`git show ${rev}:${path}: ${show.stderr}`);
    files.set(path, show.stdout);
  }
  return files;
}

/** The newest text `path` had in any commit reachable from `ref`, or null if it never existed. */
export async function lastCommittedText(repo: string, path: string, ref = 'main'): Promise<string | null> {
  for (const sha of await commitsOf(repo, ref)) {
    const show = await inRepo(repo, ['show', `${sha}:${path}`]);
    if (show.code === 0) return show.stdout;
  }
  return null;
}

/**
 * Every object reachable from `ref` as `git cat-file --batch` prints it (so every file of every
 * commit): a keystroke found in here was committed at some point and can be got back from history.
 */
export async function allCommittedText(repo: string, ref = 'main'): Promise<string> {
  if (!(await resolveRef(repo, ref))) return '';
  const objects = await inRepo(repo, ['rev-list', '--objects', ref]);
  if (objects.code !== 0) throw new Error(`git rev-list --objects: ${objects.stderr}`);
  const ids = objects.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(' ')[0]!);
  // One `cat-file --batch` for all objects; trees and commits come along and are harmless here.
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn('git', ['--git-dir', repo, 'cat-file', '--batch'], {
      env: { PATH: process.env.PATH, GIT_CONFIG_NOSYSTEM: '1', LC_ALL: 'C' },
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(Buffer.concat(chunks).toString('utf8')) : reject(new Error(`cat-file: ${code}`)),
    );
    child.stdin.end(`${ids.join('\n')}\n`);
  });
  return out;
}

/** `git fsck --full --strict`: resolves with its output, rejects when the repository is unsound. */
export async function fsckStrict(repo: string): Promise<void> {
  const r = await inRepo(repo, ['fsck', '--full', '--strict']);
  if (r.code !== 0) throw new Error(`git fsck --full --strict failed on ${repo}:\n${r.stdout}${r.stderr}`);
}
