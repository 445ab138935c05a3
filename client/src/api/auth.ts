/** Accounts: register, sign in, who am I, sign out. */
import type { Role } from '@protocol/roles';
import { request } from './http';

export interface User {
  id: string;
  username: string;
  displayName: string;
  /** The user's colour for cursors and avatars, chosen by the server. */
  color: string;
  isAdmin?: boolean;
}

export interface AuthResult {
  token: string;
  user: User;
}

export const authApi = {
  /** `invite` is needed when registration is invite-only; the answer then says what was joined. */
  register: (input: { username: string; password: string; displayName?: string; invite?: string }) =>
    request<AuthResult & { joined?: { sessionId: string; role: Role } }>('POST', '/api/auth/register', input),
  login: (input: { username: string; password: string }) =>
    request<AuthResult>('POST', '/api/auth/login', input),
  me: () => request<{ user: User }>('GET', '/api/auth/me'),
  logout: () => request<void>('POST', '/api/auth/logout'),
};
