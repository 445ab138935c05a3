/** Comments grouped into threads: a root and its replies (replies always point at the root). */
import type { VersionComment } from '@/api/versions';

export interface Thread {
  root: VersionComment;
  replies: VersionComment[];
}

/** Threads in the order their roots were written; a reply whose root is missing is dropped. */
export function toThreads(comments: readonly VersionComment[]): Thread[] {
  const byRoot = new Map<string, Thread>();
  for (const c of comments) if (!c.parentId) byRoot.set(c.id, { root: c, replies: [] });
  for (const c of comments) if (c.parentId) byRoot.get(c.parentId)?.replies.push(c);
  return [...byRoot.values()];
}

/** The key of a line thread: one file, one line of it in the version. */
export const lineKey = (path: string, line: number) => `${line}:${path}`;

/** Line threads by {@link lineKey}, and the threads on the version as a whole. */
export function splitThreads(threads: readonly Thread[]): {
  general: Thread[];
  byLine: Map<string, Thread[]>;
} {
  const general: Thread[] = [];
  const byLine = new Map<string, Thread[]>();
  for (const t of threads) {
    const { path, line } = t.root;
    if (path && line) {
      const key = lineKey(path, line);
      byLine.set(key, [...(byLine.get(key) ?? []), t]);
    } else general.push(t);
  }
  return { general, byLine };
}
