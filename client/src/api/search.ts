/** Search and replace across a session's files; shapes follow docs/api.md "Search and replace". */
import type { ReplaceResponse, SearchQuery, SearchResponse } from '@protocol/search';
import { request } from './http';

export type { ReplaceResponse, SearchHit, SearchQuery, SearchResponse } from '@protocol/search';
export { MAX_QUERY_CHARS } from '@protocol/search';

const base = (sessionId: string) => `/api/sessions/${encodeURIComponent(sessionId)}`;

export const searchApi = {
  search(sessionId: string, q: SearchQuery): Promise<SearchResponse> {
    const qs = new URLSearchParams({ q: q.q });
    if (q.regex) qs.set('regex', '1');
    if (q.case) qs.set('case', '1');
    if (q.word) qs.set('word', '1');
    return request<SearchResponse>('GET', `${base(sessionId)}/search?${qs}`);
  },
  replace(
    sessionId: string,
    q: SearchQuery,
    replacement: string,
    paths?: string[],
  ): Promise<ReplaceResponse> {
    return request<ReplaceResponse>('POST', `${base(sessionId)}/replace`, {
      ...q,
      replacement,
      ...(paths ? { paths } : {}),
    });
  },
};
