/**
 * One file's past (docs/api.md "File history and blame"): the versions that changed it, following
 * renames, and blame of its latest committed text with the live overlay of uncommitted lines.
 */
import type { BlameResponse, FileVersion } from '@protocol/versions';
import { request } from './http';

export type { BlameResponse, BlameRun, FileVersion, LiveRun, VersionKind } from '@protocol/versions';

const base = (sessionId: string) => `/api/sessions/${encodeURIComponent(sessionId)}`;

/** A page of one file's versions; `next` continues it (null: the file's first version is listed). */
export interface FileHistoryPage {
  versions: FileVersion[];
  next: { before: string; path: string } | null;
}

export const fileHistoryApi = {
  /** Versions that changed `path`, newest first; `before` + `path` from a page's `next` continue it. */
  list: (sessionId: string, path: string, options: { limit?: number; before?: string } = {}) => {
    const query = new URLSearchParams({ path });
    if (options.limit) query.set('limit', String(options.limit));
    if (options.before) query.set('before', options.before);
    return request<FileHistoryPage>('GET', `${base(sessionId)}/files/history?${query}`);
  },
  blame: (sessionId: string, path: string) =>
    request<BlameResponse>('GET', `${base(sessionId)}/blame?${new URLSearchParams({ path })}`),
};
