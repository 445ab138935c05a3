/**
 * Sign-in through a directory (LDAP, OpenID Connect): the directory vouches for the person, and
 * this module turns its word into a Gitpad account (issue 16, item 1).
 *
 * - The account is found by (source, externalId), the directory's stable id for the person, never
 *   by username: a directory user named like an existing local account gets an account of their
 *   own (`name-2`), never the local one (that would hand it over to whoever the directory says).
 * - The first sign-in creates the account whatever the registration policy: the directory (with
 *   its group filter) is the admission, so "invite only" governs local registration alone. The
 *   first account of an empty server becomes admin, as the store decides for any account.
 * - Later sign-ins refresh the display name from the directory. The git e-mail starts as the
 *   directory's mail (when git accepts it), and is set again from it only when the person has
 *   cleared theirs in Settings: a choice made there stays.
 * - A disabled account is refused with ERR_ACCOUNT_DISABLED: the admin's word beats the directory's.
 * - Directory accounts have no password here (an empty hash matches nothing): local login,
 *   password change and reset refuse them with ERR_EXTERNAL_ACCOUNT; git uses personal tokens.
 */
import { AppError } from '../errors/app-error.js';
import type { Logger } from '../log/index.js';
import { USERNAME_RE } from '../protocol/accounts.js';
import { randomId } from '../protocol/doc-ids.js';
import { gitEmailProblem } from '../protocol/git-identity.js';
import type { Store, UserRecord } from '../storage/types.js';

/** Who a directory says signed in. */
export interface ExternalIdentity {
  source: 'ldap' | 'oidc';
  /** The directory's stable id for the person (entryUUID, DN, `sub`): never reassigned to someone else. */
  externalId: string;
  /** The directory's login name; normalised to Gitpad's username rule for a new account. */
  username: string;
  displayName: string;
  email: string | null;
}

/** What a directory account stores as its password hash: nothing any password verifies against. */
export const NO_PASSWORD = '';

const MAX_USERNAME = 32;
const MAX_DISPLAY_NAME = 64;
/** How many `name-N` are tried before a random suffix (a directory with 100 "j.smith"s is odd). */
const MAX_NUMBERED = 100;

/**
 * A directory login name as a Gitpad username: lowercase ASCII letters, digits, `_`, `.`, `-`,
 * 3 to 32 characters. Accents are dropped (`José` → `jose`), anything else becomes `-`.
 */
export function normaliseUsername(raw: string): string {
  let name = raw
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, MAX_USERNAME)
    .replace(/[-.]+$/, '');
  if (name.length === 0) name = 'user';
  if (name.length < 3) name = `${name}-user`;
  return name;
}

/** The `n`th candidate username for `base`: `base`, then `base-2`, `base-3`… cut to fit 32 characters. */
function candidate(base: string, n: number): string {
  if (n === 1) return base;
  const suffix = n <= MAX_NUMBERED ? `-${n}` : `-${randomId(6)}`;
  return `${base.slice(0, MAX_USERNAME - suffix.length).replace(/[-.]+$/, '')}${suffix}`;
}

/** A display name a page can show: no control characters, trimmed, at most 64 characters. */
function cleanDisplayName(raw: string, fallback: string): string {
  const name = raw
    // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .trim()
    .slice(0, MAX_DISPLAY_NAME)
    .trim();
  return name || fallback;
}

const usableEmail = (email: string | null): string | null => {
  const e = email?.trim() ?? '';
  return e && !gitEmailProblem(e) ? e : null;
};

/**
 * The Gitpad account for a person a directory has just vouched for: found by (source,
 * externalId), created on their first sign-in, refreshed on later ones. Throws
 * ERR_ACCOUNT_DISABLED for an account the admin disabled, ERR_VALIDATION for an empty id.
 */
export async function signInExternal(
  services: { store: Store; logger: Logger },
  identity: ExternalIdentity,
): Promise<UserRecord> {
  const { store } = services;
  if (!identity.externalId) throw new AppError('ERR_VALIDATION', 'The directory gave no id for this person.');
  let user = await store.users.byExternalId(identity.source, identity.externalId);
  if (!user) user = await createAccount(services, identity);
  else user = await refresh(services, user, identity);
  if (user.disabled)
    throw new AppError('ERR_ACCOUNT_DISABLED', 'This account has been disabled. Ask the server’s admin.');
  return user;
}

async function createAccount(
  services: { store: Store; logger: Logger },
  identity: ExternalIdentity,
): Promise<UserRecord> {
  const { store } = services;
  const base = normaliseUsername(identity.username);
  const email = usableEmail(identity.email);
  for (let n = 1; n <= MAX_NUMBERED + 10; n++) {
    const username = candidate(base, n);
    if (!USERNAME_RE.test(username) || (await store.users.byUsername(username))) continue;
    try {
      const user = await store.users.create({
        id: randomId(16),
        username,
        displayName: cleanDisplayName(identity.displayName, username),
        passwordHash: NO_PASSWORD,
        createdAt: Date.now(),
        tokensValidAfter: 0,
        source: identity.source,
        externalId: identity.externalId,
      });
      if (email) await store.users.update(user.id, { gitEmail: email });
      services.logger.info('directory account created', {
        userId: user.id,
        username,
        source: identity.source,
      });
      return { ...user, gitEmail: email };
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      // Taken meanwhile by someone else: try the next name.
      if (err.code === 'ERR_USERNAME_TAKEN') continue;
      // The same person signing in twice at once: the other sign-in made the account.
      if (err.code === 'ERR_CONFLICT') {
        const existing = await store.users.byExternalId(identity.source, identity.externalId);
        if (existing) return existing;
      }
      throw err;
    }
  }
  throw new AppError('ERR_CONFLICT', 'No free username could be found for this account. Try again.');
}

async function refresh(
  services: { store: Store },
  user: UserRecord,
  identity: ExternalIdentity,
): Promise<UserRecord> {
  const patch: { displayName?: string; gitEmail?: string } = {};
  const displayName = cleanDisplayName(identity.displayName, user.displayName);
  if (displayName !== user.displayName) patch.displayName = displayName;
  const email = usableEmail(identity.email);
  if (email && user.gitEmail === null) patch.gitEmail = email;
  if (Object.keys(patch).length === 0) return user;
  await services.store.users.update(user.id, patch);
  return { ...user, ...patch };
}

/** Refuses a password operation (login, change, reset) on a directory account. */
export function assertLocalAccount(user: UserRecord): void {
  if (user.source !== 'local')
    throw new AppError(
      'ERR_EXTERNAL_ACCOUNT',
      `This account signs in through the directory (${user.source.toUpperCase()}): its password is managed there.`,
    );
}
