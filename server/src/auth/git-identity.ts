/**
 * The name and e-mail on a user's commits (and tags): what they chose in Settings, else their
 * display name and `<username>@<GIT_EMAIL_DOMAIN>`, which stays the same from commit to commit.
 * Pure. What a user may choose is ruled in protocol/git-identity.ts, shared with the client
 * (issue 16, item 4).
 */
import type { Identity } from '../git/index.js';

/** What a git identity is made from: a user record, or an actor taken from one. */
export interface GitIdentitySource {
  username: string;
  displayName: string;
  gitName?: string | null;
  gitEmail?: string | null;
}

/** `<username>@<domain>`: usernames are already lowercase letters, digits, `.`, `_` and `-`. */
export const defaultGitEmail = (username: string, domain: string) => `${username}@${domain}`;

/** The identity `u`'s commits carry. */
export function gitIdentity(u: GitIdentitySource, domain: string): Identity {
  return { name: u.gitName ?? u.displayName, email: u.gitEmail ?? defaultGitEmail(u.username, domain) };
}
