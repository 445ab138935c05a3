/**
 * Named versions: annotated tags `refs/tags/<name>`, which `git tag -n` and every git client show.
 */
import * as git from 'isomorphic-git';
import { AppError } from '../errors/app-error.js';
import { DEFAULT_COMMITTER } from './commit.js';
import { resolveCommitId } from './history.js';
import { cleanIdentity, type Identity } from './objects.js';
import { comparePaths } from './paths.js';
import { readRef } from './refs.js';
import type { Repo } from './repo.js';
import { cleanMessage } from './trailers.js';

/** A tag as the history panel shows it. */
export interface TagInfo {
  name: string;
  /** The tagged commit. */
  sha: string;
  /** The tag's message ('' for a lightweight tag). */
  message: string;
  tagger: Identity | null;
  /** ISO 8601, null for a lightweight tag. */
  time: string | null;
}

/**
 * Throws ERR_VALIDATION unless `name` is a valid tag name by git's `check-ref-format` rules (no
 * `..`, `@{`, `~^:?*[\`, spaces or control characters; no component starting with `.` or ending
 * with `.lock`; no leading `-`, trailing `.` or `/`, or `//`), at most 100 characters.
 */
export function validateTagName(name: string): void {
  const bad = (why: string) =>
    new AppError('ERR_VALIDATION', `"${String(name).slice(0, 100)}" is not a valid tag name: ${why}.`);
  if (typeof name !== 'string' || name.length === 0) throw bad('it is empty');
  if (name.length > 100) throw bad('it is longer than 100 characters');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it rejects
  if (/[\u0000-\u0020\u007f~^:?*[\\]/.test(name)) throw bad('it contains a space or one of ~ ^ : ? * [ \\');
  if (name.includes('..')) throw bad('it contains ".."');
  if (name.includes('@{') || name === '@') throw bad('it contains "@{" or is "@"');
  if (name.startsWith('-')) throw bad('it starts with "-"');
  if (name.endsWith('.')) throw bad('it ends with "."');
  for (const part of name.split('/')) {
    if (part === '') throw bad('it has an empty part (leading, trailing or double "/")');
    if (part.startsWith('.')) throw bad('a part starts with "."');
    if (part.endsWith('.lock')) throw bad('a part ends with ".lock"');
  }
}

/**
 * Tags a version. ERR_CONFLICT when the name is taken (or clashes with a tag that is a folder of
 * it, like `v1` and `v1/rc`), ERR_VALIDATION for a bad name, ERR_VERSION_NOT_FOUND for a bad sha.
 */
export async function createTag(
  repo: Repo,
  input: { name: string; sha: string; message?: string; tagger: Identity; time?: Date },
): Promise<TagInfo> {
  validateTagName(input.name);
  const tagger = cleanIdentity(input.tagger ?? DEFAULT_COMMITTER);
  const message = cleanMessage(input.message ?? '') || input.name;
  const time = input.time ?? new Date();
  return repo.write(async () => {
    const sha = await resolveCommitId(repo, input.sha);
    for (const existing of await git.listTags(repo.git)) {
      if (
        existing === input.name ||
        input.name.startsWith(`${existing}/`) ||
        existing.startsWith(`${input.name}/`)
      ) {
        throw new AppError('ERR_CONFLICT', `A tag named "${existing}" already exists.`);
      }
    }
    await git.annotatedTag({
      ...repo.git,
      ref: input.name,
      object: sha,
      message: `${message}\n`,
      tagger: { ...tagger, timestamp: Math.floor(time.getTime() / 1000), timezoneOffset: 0 },
    });
    return {
      name: input.name,
      sha,
      message,
      tagger,
      time: new Date(Math.floor(time.getTime() / 1000) * 1000).toISOString(),
    };
  });
}

/** Removes a tag. ERR_NOT_FOUND when there is none by that name. */
export async function deleteTag(repo: Repo, name: string): Promise<void> {
  validateTagName(name);
  await repo.write(async () => {
    if (!(await readRef(repo, `refs/tags/${name}`)))
      throw new AppError('ERR_NOT_FOUND', `There is no tag "${name}".`);
    await git.deleteRef({ fs: repo.fs, gitdir: repo.dir, ref: `refs/tags/${name}` });
  });
}

/** Every tag, sorted by name (git's order). */
export async function listTags(repo: Repo): Promise<TagInfo[]> {
  return repo.read(async () => {
    const out: TagInfo[] = [];
    for (const name of await git.listTags(repo.git)) {
      const oid = await readRef(repo, `refs/tags/${name}`);
      if (!oid) continue;
      const { type } = await git.readObject({ ...repo.git, oid, format: 'parsed' });
      if (type === 'tag') {
        const { tag } = await git.readTag({ ...repo.git, oid });
        out.push({
          name,
          sha: tag.object,
          message: trimNewlines(tag.message),
          tagger: { name: tag.tagger.name, email: tag.tagger.email },
          time: new Date(tag.tagger.timestamp * 1000).toISOString(),
        });
      } else {
        out.push({ name, sha: oid, message: '', tagger: null, time: null });
      }
    }
    return out.sort((a, b) => comparePaths(a.name, b.name));
  });
}

/** Tags grouped by the commit they name, for the history list. */
export async function tagsByCommit(repo: Repo): Promise<Map<string, TagInfo[]>> {
  const out = new Map<string, TagInfo[]>();
  for (const tag of await listTags(repo)) {
    const list = out.get(tag.sha) ?? [];
    list.push(tag);
    out.set(tag.sha, list);
  }
  return out;
}

/** Drops trailing newlines by scanning (a regex `/\n+$/` backtracks on inner runs of newlines). */
function trimNewlines(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0x0a) end--;
  return text.slice(0, end);
}
