/**
 * Membership changes that take effect live: applied atomically by the store (which refuses to
 * leave a session without an owner), then role caches dropped, the affected users' tabs told,
 * and lost access cut at once.
 */
import type { AccessControl } from '../auth/access.js';
import type { LiveClients } from '../ports/live-clients.js';
import { EVENTS } from '../protocol/events.js';
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
): Promise<void> {
  const { store, access, live } = deps;
  await deps.sessions.serialize(sessionId, () => store.members.apply(sessionId, changes));
  for (const { userId, role } of changes) {
    access.invalidate(sessionId, userId);
    if (role === null) {
      await live.revokeSession(sessionId, userId);
      live.notifyUser(userId, EVENTS.sessionRemoved, { sessionId });
    } else {
      live.notifyUser(userId, EVENTS.sessionRole, { sessionId, role });
    }
  }
  // Members panels refresh their list.
  live.notifySession(sessionId, EVENTS.sessionEvent, { sessionId, type: 'members' });
}
