/** Personal access tokens: passwords for `git clone` over HTTP that can be revoked one by one. */
import { request } from './http';

export interface AccessToken {
  id: string;
  name: string;
  createdAt: number;
  /** ms since epoch of the last git request made with it; null: never used. */
  lastUsedAt: number | null;
}

export const tokensApi = {
  /** Answers with the secret (`gp_…`), which the server never shows again. */
  create: (name: string) => request<AccessToken & { token: string }>('POST', '/api/tokens', { name }),
  list: () => request<{ tokens: AccessToken[] }>('GET', '/api/tokens'),
  remove: (id: string) => request<void>('DELETE', `/api/tokens/${encodeURIComponent(id)}`),
};
