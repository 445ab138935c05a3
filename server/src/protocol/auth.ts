/**
 * What `GET /api/auth/policy` answers (docs/api.md), shared by the server and the login and
 * register pages. No Node imports: the browser client imports it too.
 */
import type { RegistrationPolicy } from './admin.js';

/** The ways to sign in a server offers. */
export interface SignInMethods {
  /** Passwords kept by Gitpad (AUTH_LOCAL_PASSWORDS): registration and the password form. */
  password: boolean;
  /** An LDAP directory checks the username and password typed in the same form. */
  ldap: boolean;
  /** OpenID Connect: a button labelled `label`; null when not configured. */
  oidc: { label: string } | null;
}

export interface AuthPolicy {
  /** Whether the register page asks for an invitation (always `open` on an empty server). */
  registration: RegistrationPolicy;
  methods: SignInMethods;
}
