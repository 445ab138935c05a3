/**
 * Membership changes that take effect live: applied atomically by the store (which refuses to
 * leave a session without an owner), then role caches dropped, the affected users' tabs told
 * (naming who did it), lost access cut at once, and the change kept in the session's activity
 * log (a `role` session event, sent after a removed member left the session's room).
 */
import type { AccessControl } from '../auth/access.js';
import type { LiveClients } from '../ports/live-clients.js';
import type { RoleEvent } from '../protocol/activity.js';
import { EVENTS, type EventActor, type SessionRemoval, type SessionRoleChange } from '../protocol/events.js';
import type { Role } from '../protocol/roles.js';
import type { Store } from '../storage/types.js';
import type { SessionService } from './service.js';

/** What membership changes need: the store, the role cache, the session lock and live clients. */
export interface MembershipDeps {
  store: Store;
  access: AccessControl;
  sessions: Pick<SessionService, 'serialize'>;
  live: LiveClients;
}

export async function applyMemberChanges(
  deps: MembershipDeps,
  sessionId: string,
  changes: Array<{ userId: string; role: Role | null }>,
  by: EventActor | null = null,
): Promise<void> {
  const { store, access, live } = deps;
  await deps.sessions.serialize(sessionId, () => store.members.apply(sessionId, changes));
  const name = (await store.sessions.byId(sessionId))?.name;
  for (const { userId, role } of changes) {
    access.invalidate(sessionId, userId);
    if (role === null) {
      await live.revokeSession(sessionId, userId);
      live.notifyUser(userId, EVENTS.sessionRemoved, {
        sessionId,
        ...(by ? { by } : {}),
        ...(name !== undefined ? { name } : {}),
      } satisfies SessionRemoval);
    } else {
      live.notifyUser(userId, EVENTS.sessionRole, {
        sessionId,
        role,
        ...(by ? { by } : {}),
      } satisfies SessionRoleChange);
    }
  }
  // Members panels refresh their list.
  live.notifySession(sessionId, EVENTS.sessionEvent, { sessionId, type: 'members' });
  for (const { userId, role } of changes) {
    const user = await store.users.byId(userId);
    const event: RoleEvent = {
      sessionId,
      type: 'role',
      user: { id: userId, displayName: user?.displayName ?? 'Deleted user' },
      role,
      by,
    };
    // Kept in the session's activity log on its way out (activity/log.ts).
    live.notifySession(sessionId, EVENTS.sessionEvent, event);
  }
}
