/**
 * The admin's API: the registration policy, accounts, sessions and disk use. Everything but
 * `policy` answers 403 to anyone but an admin.
 */
import type { AdminDisk, AdminSession, AdminUser, RegistrationPolicy } from '@protocol/admin';
import type { AuthPolicy } from '@protocol/auth';
import { request } from './http';

export type { AdminDirUsage, AdminDisk, AdminSession, AdminUser, RegistrationPolicy } from '@protocol/admin';
export type { AuthPolicy, SignInMethods } from '@protocol/auth';

export const adminApi = {
  /** No sign-in needed: the login and register pages ask before an account exists. */
  policy: () => request<AuthPolicy>('GET', '/api/auth/policy'),
  settings: () => request<{ registration: RegistrationPolicy }>('GET', '/api/admin/settings'),
  setRegistration: (registration: RegistrationPolicy) =>
    request<{ registration: RegistrationPolicy }>('PUT', '/api/admin/settings', { registration }),
  users: () => request<{ users: AdminUser[] }>('GET', '/api/admin/users'),
  updateUser: (id: string, patch: { disabled?: boolean; isAdmin?: boolean }) =>
    request<{ user: AdminUser }>('PATCH', `/api/admin/users/${encodeURIComponent(id)}`, patch),
  resetPassword: (id: string) =>
    request<{ password: string }>('POST', `/api/admin/users/${encodeURIComponent(id)}/reset-password`),
  sessions: () => request<{ sessions: AdminSession[] }>('GET', '/api/admin/sessions'),
  disk: () => request<AdminDisk>('GET', '/api/admin/disk'),
};
