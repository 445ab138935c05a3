/**
 * Roles and the one role → permission table. Used by REST, socket events, ShareDB middleware,
 * chat, comments and git clone alike, and by the client to decide what to show.
 * No Node imports: the client imports this module too.
 */
export const ROLES = ['owner', 'editor', 'commenter', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  'session.read', // see the session, its files, history, presence; clone it
  'session.write', // edit file text, create/rename/delete files, save, tag and revert versions
  'session.comment', // comment on versions
  'session.chat', // send chat messages
  'session.manage', // members, roles, invitations, transfer, rename or delete the session
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const TABLE: Record<Role, readonly Permission[]> = {
  owner: ['session.read', 'session.write', 'session.comment', 'session.chat', 'session.manage'],
  editor: ['session.read', 'session.write', 'session.comment', 'session.chat'],
  commenter: ['session.read', 'session.comment', 'session.chat'],
  viewer: ['session.read', 'session.chat'],
};

/** Roles ordered by what they allow: a higher rank can do everything a lower one can. */
export const ROLE_RANK: Record<Role, number> = { viewer: 0, commenter: 1, editor: 2, owner: 3 };

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Whether `role` (null: not a member) grants `permission`. */
export function can(role: Role | null | undefined, permission: Permission): boolean {
  return role != null && TABLE[role].includes(permission);
}
