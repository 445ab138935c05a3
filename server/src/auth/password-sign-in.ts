/**
 * `POST /api/auth/login`: a username and a password, checked against the local account and, when
 * one is configured, a directory that takes passwords (LDAP). The order, when both are on:
 *
 * 1. A local account with that username whose password matches signs in (so a local admin can
 *    still sign in while the directory is down).
 * 2. Otherwise the directory is asked: a person it knows and whose password it accepts signs in to
 *    their directory account (created on the first sign-in, auth/external-accounts.ts), even when
 *    a local account has the same name (the directory account then has another name, `name-2`).
 * 3. A directory that cannot be reached answers ERR_DIRECTORY_UNAVAILABLE (503), never "wrong
 *    password"; a person it does not know, or a wrong password, ERR_BAD_CREDENTIALS.
 *
 * With AUTH_LOCAL_PASSWORDS=off step 1 is skipped, and without a directory every login is refused
 * with ERR_LOCAL_LOGIN_DISABLED. The caller throttles (same limits for both ways).
 */

import type { Config } from '../config/index.js';
import { AppError } from '../errors/app-error.js';
import type { Logger } from '../log/index.js';
import type { Store, UserRecord } from '../storage/types.js';
import { type ExternalIdentity, signInExternal } from './external-accounts.js';
import { dummyPasswordHash, verifyPassword } from './passwords.js';

/** A directory that checks passwords itself (LDAP bind). */
export interface PasswordDirectory {
  readonly source: 'ldap';
  /**
   * Who `username` is when `password` is theirs; null when the directory does not know the
   * username (or knows several). Throws ERR_BAD_CREDENTIALS for a wrong password or a person the
   * directory refuses (group, disabled), ERR_DIRECTORY_UNAVAILABLE when it cannot be reached.
   */
  authenticate(username: string, password: string): Promise<ExternalIdentity | null>;
}

export const badCredentials = () => new AppError('ERR_BAD_CREDENTIALS', 'Wrong username or password.');

export const localLoginDisabled = () =>
  new AppError(
    'ERR_LOCAL_LOGIN_DISABLED',
    'Passwords kept by Gitpad are switched off on this server: sign in with your directory account.',
  );

/**
 * The account `username` and `password` sign in to. Throws ERR_BAD_CREDENTIALS,
 * ERR_ACCOUNT_DISABLED (only to someone who knew the password), ERR_EXTERNAL_ACCOUNT (a directory
 * account no configured directory can check), ERR_LOCAL_LOGIN_DISABLED or ERR_DIRECTORY_UNAVAILABLE.
 */
export async function signInWithPassword(
  services: { store: Store; config: Config; logger: Logger },
  directory: PasswordDirectory | null,
  username: string,
  password: string,
): Promise<UserRecord> {
  const { store, config } = services;
  if (!config.localPasswords && !directory) throw localLoginDisabled();
  const local = await store.users.byUsername(username);
  if (config.localPasswords) {
    if (local?.source === 'local') {
      if (await verifyPassword(local.passwordHash, password)) return enabled(local);
    } else {
      // Unknown user and wrong password cost the same and answer the same: with a directory too,
      // or timing would tell which local usernames exist.
      await verifyPassword(await dummyPasswordHash(), password);
    }
  }
  if (directory) {
    const identity = await directory.authenticate(username, password);
    if (identity) return signInExternal(services, identity);
  }
  // A directory account whose directory is not (or no longer) configured here, or not this one.
  if (local && local.source !== 'local' && local.source !== directory?.source)
    throw new AppError(
      'ERR_EXTERNAL_ACCOUNT',
      `This account signs in through ${local.source.toUpperCase()}, not with a password here.`,
    );
  throw badCredentials();
}

function enabled(user: UserRecord): UserRecord {
  // Said only to someone who knows the password: it tells a guesser nothing.
  if (user.disabled)
    throw new AppError('ERR_ACCOUNT_DISABLED', 'This account has been disabled. Ask the server’s admin.');
  return user;
}
