/** Comments on the live text of files (see server/src/comments/service.ts and docs/api.md). */
import type { LiveAnchor, LiveThread } from '@protocol/live-comments';
import { request } from './http';

export type { LiveAnchor, LiveReply, LiveThread } from '@protocol/live-comments';

const base = (sessionId: string) => `/api/sessions/${encodeURIComponent(sessionId)}`;
const thread = (sessionId: string, id: string) => `${base(sessionId)}/comments/${encodeURIComponent(id)}`;

export const liveCommentsApi = {
  list: async (sessionId: string, fileId: string) =>
    (await request<{ threads: LiveThread[] }>('GET', `${base(sessionId)}/files/${fileId}/comments`)).threads,
  /** `anchor`: offsets in the file's text at document version `v`. */
  create: (sessionId: string, fileId: string, input: { anchor: LiveAnchor; v: number; body: string }) =>
    request<LiveThread>('POST', `${base(sessionId)}/files/${fileId}/comments`, input),
  reply: (sessionId: string, threadId: string, body: string) =>
    request<LiveThread>('POST', `${thread(sessionId, threadId)}/replies`, { body }),
  resolve: (sessionId: string, threadId: string, resolved: boolean) =>
    request<LiveThread>('POST', `${thread(sessionId, threadId)}/resolve`, { resolved }),
  edit: (sessionId: string, threadId: string, body: string) =>
    request<LiveThread>('PATCH', thread(sessionId, threadId), { body }),
  editReply: (sessionId: string, threadId: string, replyId: string, body: string) =>
    request<LiveThread>('PATCH', `${thread(sessionId, threadId)}/replies/${encodeURIComponent(replyId)}`, {
      body,
    }),
  remove: (sessionId: string, threadId: string) => request<void>('DELETE', thread(sessionId, threadId)),
  removeReply: (sessionId: string, threadId: string, replyId: string) =>
    request<void>('DELETE', `${thread(sessionId, threadId)}/replies/${encodeURIComponent(replyId)}`),
};
