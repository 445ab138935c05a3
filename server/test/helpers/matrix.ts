/**
 * Expected answers for the permission matrix, derived from the one role → permission table
 * (`can` in protocol/roles.ts) so that the table and the tests cannot drift apart.
 */
import { can, type Permission, ROLES, type Role } from '../../src/protocol/roles.js';

/** Who calls: a member in a role, a logged-in user who is not a member, or nobody logged in. */
export type Actor = Role | 'non-member' | 'anonymous';
export const MEMBERS: readonly Role[] = ROLES;
export const LOGGED_IN: readonly Actor[] = [...ROLES, 'non-member'];
export const EVERYONE: readonly Actor[] = [...ROLES, 'non-member', 'anonymous'];

/**
 * What an action needs: a session permission, just a login (`account`: per-user resources such
 * as access tokens), or nothing anyone may do from a client (`nobody`: e.g. ops on the manifest).
 */
export type Need = Permission | 'account' | 'nobody';

const isRole = (a: Actor): a is Role => (ROLES as readonly string[]).includes(a);

/** Whether the table lets `actor` do something needing `need`. */
export function allowed(actor: Actor, need: Need): boolean {
  if (actor === 'anonymous' || need === 'nobody') return false;
  if (need === 'account') return true;
  return isRole(actor) && can(actor, need);
}

/** A refusal as the caller sees it: an HTTP status (REST, git) and/or an error code. */
export interface Refusal {
  status?: number;
  code?: string;
}

/** REST: 401 without a login, 404 ERR_SESSION_NOT_FOUND for non-members, 403 for a weak role. */
export function restRefusal(actor: Actor, need: Need): Refusal | null {
  if (actor === 'anonymous') return { status: 401, code: 'ERR_UNAUTHENTICATED' };
  if (allowed(actor, need)) return null;
  if (actor === 'non-member') return { status: 404, code: 'ERR_SESSION_NOT_FOUND' };
  return { status: 403, code: 'ERR_FORBIDDEN' };
}

/** ShareDB: every refusal is ERR_FORBIDDEN, members or not (protocol.md, "Reads" and "Edits"). */
export function sharedbRefusal(actor: Actor, need: Need): Refusal | null {
  return allowed(actor, need) ? null : { code: 'ERR_FORBIDDEN' };
}

/** Socket events answered through an ack: non-members get ERR_SESSION_NOT_FOUND, as over REST. */
export function socketRefusal(actor: Actor, need: Need): Refusal | null {
  if (allowed(actor, need)) return null;
  return { code: actor === 'non-member' ? 'ERR_SESSION_NOT_FOUND' : 'ERR_FORBIDDEN' };
}

/** git over HTTP: 401 without credentials, 404 for non-members (as for no repository). */
export function gitRefusal(actor: Actor, need: Need): Refusal | null {
  if (actor === 'anonymous') return { status: 401 };
  if (allowed(actor, need)) return null;
  return { status: actor === 'non-member' ? 404 : 403 };
}

/** "viewer: PATCH /api/sessions/:id → 403 ERR_FORBIDDEN" */
export function caseName(actor: Actor, what: string, outcome: Refusal | null, okText: string): string {
  const result = outcome ? [outcome.status, outcome.code].filter((x) => x !== undefined).join(' ') : okText;
  return `${actor}: ${what} → ${result}`;
}
