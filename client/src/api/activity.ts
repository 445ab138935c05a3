/**
 * What happened while I was away: a session's activity log, and my @mentions with their read
 * state. Live, both arrive on the socket (`session:event`, `mention:new`); these catch up.
 */
import type { ActivityEntry, MentionNotice, MentionsRead } from '@protocol/activity';
import { request } from './http';

export type { ActivityEntry, MentionNotice, MentionsRead };

export const activityApi = {
  /** Entries after id `since` (0: all kept), oldest first, at most `limit` (the newest). */
  since: (sessionId: string, since: number, limit = 50) =>
    request<{ entries: ActivityEntry[] }>(
      'GET',
      `/api/sessions/${encodeURIComponent(sessionId)}/activity?since=${since}&limit=${limit}`,
    ),
};

export const mentionsApi = {
  /** My mentions, newest first (only unread ones with `unread`), and how many are unread. */
  list: (options: { unread?: boolean; limit?: number } = {}) =>
    request<{ mentions: MentionNotice[]; unread: number }>(
      'GET',
      `/api/mentions?unread=${options.unread ? 1 : 0}&limit=${options.limit ?? 50}`,
    ),
  /** Marks mentions `ids` (or all) read. */
  read: (ids?: readonly number[]) =>
    request<MentionsRead>('POST', '/api/mentions/read', ids ? { ids: [...ids] } : {}),
};
