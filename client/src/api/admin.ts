/** The server's registration policy: anyone may register (open), or only people with an invitation. */
import { request } from './http';

export type RegistrationPolicy = 'open' | 'invite';

export const adminApi = {
  /** No sign-in needed: the register page asks before an account exists. */
  policy: () => request<{ registration: RegistrationPolicy }>('GET', '/api/auth/policy'),
  /** Admin only (the first account). */
  settings: () => request<{ registration: RegistrationPolicy }>('GET', '/api/admin/settings'),
  setRegistration: (registration: RegistrationPolicy) =>
    request<{ registration: RegistrationPolicy }>('PUT', '/api/admin/settings', { registration }),
};
