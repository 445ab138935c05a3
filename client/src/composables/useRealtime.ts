/**
 * The glue between the realtime client and the stores: status, refused tokens, role changes and
 * removals flow into plain store data. The client itself lives in `realtime/`, never in a store.
 */
import { type RealtimeClient, startRealtime } from '@/realtime';
import { useAuthStore } from '@/stores/auth';
import { useConnectionStore } from '@/stores/connection';
import { useNoticesStore } from '@/stores/notices';
import { usePresenceStore } from '@/stores/presence';
import { useSessionsStore } from '@/stores/sessions';

const wired = new WeakSet<RealtimeClient>();

/** The tab's realtime client (started on first use), wired to the stores once. */
export function useRealtime(): RealtimeClient {
  const auth = useAuthStore();
  const client = startRealtime({ token: () => auth.token });
  if (!wired.has(client)) {
    wired.add(client);
    const connection = useConnectionStore();
    const sessions = useSessionsStore();
    const presence = usePresenceStore();
    const notices = useNoticesStore();
    connection.update(client.currentStatus);
    client.on('status', (status) => connection.update(status));
    client.on('unauthenticated', () => auth.expire());
    client.on('sessionUsers', ({ sessionId, users }) => presence.setUsers(sessionId, users));
    client.on('sessionRole', ({ sessionId, role }) => {
      const before = sessions.current?.id === sessionId ? sessions.current.role : null;
      sessions.setRole(sessionId, role);
      if (before && before !== role) notices.info(`Your role in this session is now ${role}.`);
    });
    // The session view tells the person (it also sees a deletion that arrives as the manifest's).
    client.on('sessionRemoved', ({ sessionId }) => {
      presence.clear(sessionId);
      sessions.forget(sessionId);
    });
  }
  return client;
}
