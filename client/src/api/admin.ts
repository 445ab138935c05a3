/**
 * The admin's API: the registration policy, accounts, sessions and disk use. Everything but
 * `policy` answers 403 to anyone but an admin.
 */
import { request } from './http';

export type RegistrationPolicy = 'open' | 'invite';

export interface AdminUser {
  id: string;
  username: string;
  displayName: string;
  isAdmin: boolean;
  disabled: boolean;
  createdAt: number;
}

export interface AdminSession {
  id: string;
  name: string;
  createdAt: number;
  owners: string[];
  members: number;
  files: number;
  /** Disk the session's git repository takes. */
  repoBytes: number;
  /** The latest edit, version, comment or tag the server knows of, ms. */
  lastActivityAt: number;
  /** People with it open now. */
  online: number;
}

export interface AdminDirUsage {
  path: string;
  bytes: number;
  files: number;
  freeBytes: number | null;
  totalBytes: number | null;
}

export const adminApi = {
  /** No sign-in needed: the register page asks before an account exists. */
  policy: () => request<{ registration: RegistrationPolicy }>('GET', '/api/auth/policy'),
  settings: () => request<{ registration: RegistrationPolicy }>('GET', '/api/admin/settings'),
  setRegistration: (registration: RegistrationPolicy) =>
    request<{ registration: RegistrationPolicy }>('PUT', '/api/admin/settings', { registration }),
  users: () => request<{ users: AdminUser[] }>('GET', '/api/admin/users'),
  updateUser: (id: string, patch: { disabled?: boolean; isAdmin?: boolean }) =>
    request<{ user: AdminUser }>('PATCH', `/api/admin/users/${encodeURIComponent(id)}`, patch),
  resetPassword: (id: string) =>
    request<{ password: string }>('POST', `/api/admin/users/${encodeURIComponent(id)}/reset-password`),
  sessions: () => request<{ sessions: AdminSession[] }>('GET', '/api/admin/sessions'),
  disk: () => request<{ dataDir: AdminDirUsage; reposDir: AdminDirUsage }>('GET', '/api/admin/disk'),
};
