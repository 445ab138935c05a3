/** Who is in each session right now, as the server last told us (`session:users`). */
import type { PresenceUser } from '@protocol/events';
import { defineStore } from 'pinia';
import { readonly, ref } from 'vue';

export const usePresenceStore = defineStore('presence', () => {
  const bySession = ref<Record<string, PresenceUser[]>>({});

  function setUsers(sessionId: string, users: PresenceUser[]): void {
    bySession.value = { ...bySession.value, [sessionId]: users };
  }

  function clear(sessionId: string): void {
    const { [sessionId]: _gone, ...rest } = bySession.value;
    bySession.value = rest;
  }

  function usersIn(sessionId: string): readonly PresenceUser[] {
    return bySession.value[sessionId] ?? [];
  }

  return { bySession: readonly(bySession), setUsers, clear, usersIn };
});
