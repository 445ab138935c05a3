/** Who is in a session and which file each person has open; tells the others what this tab shows. */
import type { PresenceUser } from '@protocol/events';
import { computed, onScopeDispose } from 'vue';
import { humanMessage } from '@/api/errors';
import { useAuthStore } from '@/stores/auth';
import { useNoticesStore } from '@/stores/notices';
import { usePresenceStore } from '@/stores/presence';
import { useRealtime } from './useRealtime';

export function usePresence(sessionId: string) {
  const client = useRealtime();
  const presence = usePresenceStore();
  const auth = useAuthStore();
  const notices = useNoticesStore();

  client.joinSession(sessionId).then(
    (users) => presence.setUsers(sessionId, users),
    (error) => notices.error(humanMessage(error)),
  );
  onScopeDispose(() => {
    client.leaveSession(sessionId);
    presence.clear(sessionId);
  });

  const users = computed<readonly PresenceUser[]>(() => presence.usersIn(sessionId));
  /** Everyone but me (my other tabs count as me). */
  const others = computed(() => users.value.filter((u) => u.userId !== auth.user?.id));

  return {
    users,
    others,
    /** People (me included) whose active tab shows this file. */
    inFile: (fileId: string | null | undefined) =>
      fileId ? users.value.filter((u) => u.fileId === fileId) : ([] as PresenceUser[]),
    focus: (fileId: string | null) => client.focusFile(sessionId, fileId),
  };
}
