/** Chat history over REST (newest first, paged by id). Live messages travel on the socket (`composables/useChat`). */
import type { ChatMessage } from '@protocol/events';
import { request } from './http';

export type { ChatMessage };

/** Messages per history page (the server allows 1–100). */
export const CHAT_PAGE_SIZE = 50;

export const chatApi = {
  /** The `limit` newest messages, or those older than message id `before`. */
  page: (sessionId: string, options: { before?: number; limit?: number } = {}) => {
    const query = new URLSearchParams({ limit: String(options.limit ?? CHAT_PAGE_SIZE) });
    if (options.before !== undefined) query.set('before', String(options.before));
    return request<{ messages: ChatMessage[] }>(
      'GET',
      `/api/sessions/${encodeURIComponent(sessionId)}/chat?${query}`,
    );
  },
};
