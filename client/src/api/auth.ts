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
  /** The name and e-mail on this user's commits; only in `me` and `updateMe` answers. */
  git?: GitIdentitySettings;
}

/** What a user chose for their commits (null: the default beside it is used). */
export interface GitIdentitySettings {
  name: string | null;
  email: string | null;
  defaultName: string;
  defaultEmail: string;
}

export interface AuthResult {
  token: string;
  user: User;
}

/** Where the "Sign in with …" button sends the browser; the server redirects to the provider. */
export function oidcStartUrl(next: string): string {
  return next === '/' ? '/api/auth/oidc/start' : `/api/auth/oidc/start?next=${encodeURIComponent(next)}`;
}

export const authApi = {
  /** Trades the one-time code the OIDC callback left in the URL fragment for a token (once, within 60 s). */
  oidcExchange: (code: string) =>
    request<AuthResult & { next: string }>('POST', '/api/auth/oidc/exchange', { code }),
  /** `invite` is needed when registration is invite-only; the answer then says what was joined. */
  register: (input: { username: string; password: string; displayName?: string; invite?: string }) =>
    request<AuthResult & { joined?: { sessionId: string; role: Role } }>('POST', '/api/auth/register', input),
  login: (input: { username: string; password: string }) =>
    request<AuthResult>('POST', '/api/auth/login', input),
  me: () => request<{ user: User }>('GET', '/api/auth/me'),
  /** Sets the name and e-mail on the user's commits from now on; null or "" goes back to the default. */
  updateMe: (patch: { gitName?: string | null; gitEmail?: string | null }) =>
    request<{ user: User }>('PATCH', '/api/auth/me', patch),
  logout: () => request<void>('POST', '/api/auth/logout'),
};
