/**
 * Membership changes that take effect live: applied atomically by the store (which refuses to
 * leave a session without an owner), then role caches dropped, the affected users' tabs told
 * (naming who did it), lost access cut at once, and the change kept in the session's activity
 * log (a `role` session event, sent after a removed member left the session's room).
 */
import type { RoleEvent } from '../protocol/activity.js';
import { EVENTS, type EventActor, type SessionRemoval, type SessionRoleChange } from '../protocol/events.js';
import type { Role } from '../protocol/roles.js';
import type { Services } from '../services.js';

export async function applyMemberChanges(
  services: Services,
  sessionId: string,
  changes: Array<{ userId: string; role: Role | null }>,
  by: EventActor | null = null,
): Promise<void> {
  const { store, access, realtime } = services;
  await services.sessions.serialize(sessionId, () => store.members.apply(sessionId, changes));
  const name = (await store.sessions.byId(sessionId))?.name;
  for (const { userId, role } of changes) {
    access.invalidate(sessionId, userId);
    if (role === null) {
      await realtime.revokeSession(sessionId, userId);
      realtime.notifyUser(userId, EVENTS.sessionRemoved, {
        sessionId,
        ...(by ? { by } : {}),
        ...(name !== undefined ? { name } : {}),
      } satisfies SessionRemoval);
    } else {
      realtime.notifyUser(userId, EVENTS.sessionRole, {
        sessionId,
        role,
        ...(by ? { by } : {}),
      } satisfies SessionRoleChange);
    }
  }
  // Members panels refresh their list.
  realtime.notifySession(sessionId, EVENTS.sessionEvent, { sessionId, type: 'members' });
  for (const { userId, role } of changes) {
    const user = await store.users.byId(userId);
    const event: RoleEvent = {
      sessionId,
      type: 'role',
      user: { id: userId, displayName: user?.displayName ?? 'Deleted user' },
      role,
      by,
    };
    services.activity.publish(sessionId, EVENTS.sessionEvent, event, (p) =>
      realtime.notifySession(sessionId, EVENTS.sessionEvent, p),
    );
  }
}
