/**
 * The open session's chat as plain data: messages in id order (oldest first), whether older
 * ones remain on the server, and how many arrived from others while the panel was closed.
 * The socket that fills it lives in `composables/useChat.ts`.
 */
import type { ChatMessage } from '@protocol/events';
import { defineStore } from 'pinia';
import { readonly, ref } from 'vue';

export const useChatStore = defineStore('chat', () => {
  const sessionId = ref<string | null>(null);
  const messages = ref<ChatMessage[]>([]);
  /** The newest page has been loaded at least once. */
  const loaded = ref(false);
  /** False once a history page came back short: nothing older is left. */
  const hasOlder = ref(true);
  /** Messages from others since the panel was last open. */
  const unread = ref(0);
  const panelOpen = ref(false);
  /** Why the newest page could not be loaded, as a sentence; null when it was. */
  const loadError = ref<string | null>(null);

  /** Starts over for a session (or none). */
  function reset(next: string | null): void {
    sessionId.value = next;
    messages.value = [];
    loaded.value = false;
    hasOlder.value = true;
    unread.value = 0;
    panelOpen.value = false;
    loadError.value = null;
  }

  function setLoadError(forSession: string, error: string | null): void {
    if (forSession === sessionId.value) loadError.value = error;
  }

  /** Adds messages (any order, duplicates ignored) to the session's list. */
  function merge(forSession: string, incoming: readonly ChatMessage[]): ChatMessage[] {
    if (forSession !== sessionId.value) return [];
    const known = new Set(messages.value.map((m) => m.id));
    const added = incoming.filter((m) => m.sessionId === forSession && !known.has(m.id));
    if (added.length > 0) messages.value = [...messages.value, ...added].sort((a, b) => a.id - b.id);
    return added;
  }

  /** A history page arrived; `older`: it was asked for with `before`. */
  function addPage(forSession: string, page: readonly ChatMessage[], pageSize: number, older: boolean): void {
    if (forSession !== sessionId.value) return;
    merge(forSession, page);
    if (older || !loaded.value) hasOlder.value = page.length >= pageSize;
    loaded.value = true;
  }

  /** A live message; counts as unread when someone else wrote it and the panel is closed. */
  function receive(message: ChatMessage, myUserId: string | null): void {
    const added = merge(message.sessionId, [message]);
    if (added.length > 0 && !panelOpen.value && message.user.id !== myUserId) unread.value++;
  }

  function setPanelOpen(open: boolean): void {
    panelOpen.value = open;
    if (open) unread.value = 0;
  }

  return {
    sessionId: readonly(sessionId),
    messages: readonly(messages),
    loaded: readonly(loaded),
    hasOlder: readonly(hasOlder),
    unread: readonly(unread),
    panelOpen: readonly(panelOpen),
    loadError: readonly(loadError),
    reset,
    setLoadError,
    merge,
    addPage,
    receive,
    setPanelOpen,
  };
});
