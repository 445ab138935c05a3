/** Which ways to sign in this server offers, as `GET /api/auth/policy` tells the login page. */
import type { Config } from '../../config/index.js';
import type { SignInMethods } from '../../protocol/auth.js';

/** From the config alone: what is configured is offered (a directory that is down still is). */
export function signInMethods(config: Config): SignInMethods {
  return {
    password: config.localPasswords,
    ldap: config.ldap !== undefined,
    oidc: config.oidc ? { label: config.oidc.buttonLabel } : null,
  };
}
