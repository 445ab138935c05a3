/**
 * The one rule both stores enforce when `members.apply` runs a batch of role changes: every role
 * is valid and the session keeps at least one owner. Checked against the current members inside
 * the store's atomic step, so a failing batch changes nothing.
 */
import { AppError } from '../errors/app-error.js';
import { isRole, ROLE_RANK, type Role } from '../protocol/roles.js';
import type { MemberRecord } from './types.js';

/** A change to one membership: a role to set, or null to remove it. */
export interface MemberChange {
  userId: string;
  role: Role | null;
}

/** Throws ERR_VALIDATION unless `role` is one of ROLES (data from a caller, not a type, reaches the store). */
export function checkRole(role: unknown): asserts role is Role {
  if (!isRole(role)) throw new AppError('ERR_VALIDATION', `"${String(role)}" is not a role.`);
}

/**
 * Throws ERR_VALIDATION for a bad change and ERR_LAST_OWNER when applying `changes` (in order)
 * to `current` would leave no owner. Returns the resulting roles by user id.
 */
export function checkMemberChanges(
  current: readonly MemberRecord[],
  changes: readonly MemberChange[],
): Map<string, Role> {
  const roles = new Map(current.map((m) => [m.userId, m.role]));
  for (const change of changes) {
    if (typeof change.userId !== 'string' || change.userId === '') {
      throw new AppError('ERR_VALIDATION', 'A member change needs a user id.');
    }
    if (change.role === null) {
      roles.delete(change.userId);
    } else {
      checkRole(change.role);
      roles.set(change.userId, change.role);
    }
  }
  if (![...roles.values()].includes('owner')) {
    throw new AppError('ERR_LAST_OWNER', 'A session must keep an owner: make someone else owner first.');
  }
  return roles;
}

/**
 * Whether changing a membership from `before` to `after` (null: not a member) takes access away:
 * a removal or a lower role. Stores record when that happened (`members.cutAt`), so an invitation
 * made before it cannot give the access back.
 */
export function isCut(before: Role | null, after: Role | null): boolean {
  if (before === null) return false;
  return after === null || ROLE_RANK[after] < ROLE_RANK[before];
}

/** The error of `members.join` for a link older than the owner's last cut of this member. */
export function inviteRevoked(): AppError {
  return new AppError(
    'ERR_INVITE_REVOKED',
    'The owner changed your access after this link was made; ask them for a new one.',
  );
}
