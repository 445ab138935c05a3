/**
 * What made a version (`VersionKind`, protocol/versions.ts). From now on it is recorded in the
 * commit's refs/notes/gitpad note (`kind`) by whoever commits; versions written before that are
 * read from the messages Gitpad wrote for them, which have fixed shapes. A version with a
 * message of no known shape was named by a person (Save version), unless it reads like the
 * commit worker's own description of changes ("Edit a.ts, add b.ts"), which a Save without a
 * message also writes: those read as autosaves, the closest we can tell.
 */
import { VERSION_KINDS, type VersionKind } from '../protocol/versions.js';

/** Whether `value` is a kind this server knows (a note written by a newer one may hold others). */
export function isVersionKind(value: unknown): value is VersionKind {
  return typeof value === 'string' && (VERSION_KINDS as readonly string[]).includes(value);
}

/** The messages Gitpad writes itself, by kind (versions/service.ts, import.ts, push.ts, search). */
const PATTERNS: Array<[RegExp, VersionKind]> = [
  [/^Before (deleting|revert to|import|push|moving|replace)\b/, 'before'],
  [/^Revert to [0-9a-f]{7,40}\b/, 'revert'],
  [/^Imported \d+ files?\b/, 'import'],
  [/^Push [0-9a-f]{7,40}: /, 'push'],
  [/^Delete \S/, 'delete'],
  [/^Move .+\/ to .+\/$/, 'move'],
  [/^Replace '/, 'replace'],
];

/** What `describeChanges` writes: "Edit x, add y, delete z, rename a → b, and N more". */
const DESCRIBED = /^(Edit|Add|Delete|Rename|Change file modes)\b(.*)$/;

/**
 * The kind of a version with no recorded kind, from its subject and parents: a merge is a push
 * (the only merges Gitpad makes).
 */
export function kindFromMessage(subject: string, parents: number): VersionKind {
  if (parents > 1) return 'push';
  for (const [re, kind] of PATTERNS) if (re.test(subject)) return kind;
  if (DESCRIBED.test(subject)) return 'autosave';
  return 'save';
}
