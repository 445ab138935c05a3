/** Session members: owners add people, change roles, remove them and hand over ownership. */
import type { Role } from '@protocol/roles';
import { request } from './http';
import type { Member } from './sessions';

export type { Member };

const member = (sessionId: string, username: string) =>
  `/api/sessions/${encodeURIComponent(sessionId)}/members/${encodeURIComponent(username)}`;

export const membersApi = {
  /** Adds the user, or changes their role. */
  setRole: (sessionId: string, username: string, role: Role) =>
    request<Member>('PUT', member(sessionId, username), { role }),
  remove: (sessionId: string, username: string) => request<void>('DELETE', member(sessionId, username)),
  /** The member becomes owner and the caller an editor, in one change. */
  transfer: (sessionId: string, username: string) =>
    request<{ owner: string }>('POST', `/api/sessions/${encodeURIComponent(sessionId)}/transfer`, {
      username,
    }),
};
