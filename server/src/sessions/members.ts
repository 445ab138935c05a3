/**
 * Membership changes that take effect live: applied atomically by the store (which refuses to
 * leave a session without an owner), then role caches dropped, the affected users' tabs told,
 * and lost access cut at once.
 */
import { EVENTS } from '../protocol/events.js';
import type { Role } from '../protocol/roles.js';
import type { Services } from '../services.js';

export async function applyMemberChanges(
  services: Services,
  sessionId: string,
  changes: Array<{ userId: string; role: Role | null }>,
): Promise<void> {
  const { store, access, realtime } = services;
  await services.sessions.serialize(sessionId, () => store.members.apply(sessionId, changes));
  for (const { userId, role } of changes) {
    access.invalidate(sessionId, userId);
    if (role === null) {
      await realtime.revokeSession(sessionId, userId);
      realtime.notifyUser(userId, EVENTS.sessionRemoved, { sessionId });
    } else {
      realtime.notifyUser(userId, EVENTS.sessionRole, { sessionId, role });
    }
  }
  // Members panels refresh their list.
  realtime.notifySession(sessionId, EVENTS.sessionEvent, { sessionId, type: 'members' });
}
