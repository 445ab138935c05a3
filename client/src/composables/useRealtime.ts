/**
 * The glue between the realtime client and the stores: status, refused tokens, role changes and
 * removals flow into plain store data. The client itself lives in `realtime/`, never in a store.
 */
import type { SessionRemoval } from '@protocol/events';
import { roleSentence } from '@/components/notices/sentences';
import { type RealtimeClient, startRealtime } from '@/realtime';
import { useAuthStore } from '@/stores/auth';
import { useConnectionStore } from '@/stores/connection';
import { useNoticesStore } from '@/stores/notices';
import { usePresenceStore } from '@/stores/presence';
import { useSessionsStore } from '@/stores/sessions';
import { wireMentionNotices } from './mention-notices';

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
    // The role applies at once (an editor becomes read-only), and the notice says who and why;
    // my own change (handing ownership over) needs no news.
    client.on('sessionRole', ({ sessionId, role, by }) => {
      const before = sessions.current?.id === sessionId ? sessions.current.role : null;
      sessions.setRole(sessionId, role);
      if (before && before !== role && by?.id !== auth.user?.id) notices.tell(roleSentence(role, by));
    });
    // Told here when the server said who; the session view tells the person otherwise (it also
    // sees a deletion that arrives as the manifest's).
    client.on('sessionRemoved', (removal: SessionRemoval) => {
      const { sessionId, by, name } = removal;
      if (by && by.id !== auth.user?.id) {
        const what = name ? `“${name}”` : 'a session';
        notices.tell(
          removal.deleted
            ? `${by.displayName} deleted ${what}: you no longer have access to it.`
            : `${by.displayName} removed you from ${what}: you no longer have access to it.`,
          { key: `removed:${sessionId}:${Date.now()}` },
        );
      }
      presence.clear(sessionId);
      sessions.forget(sessionId);
    });
    wireMentionNotices(client);
  }
  return client;
}
