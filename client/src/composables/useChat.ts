/**
 * Session chat glue. `useChatFeed` runs for as long as a session is open (the workspace calls
 * it), so messages are counted as unread while the panel is closed: it loads the newest page,
 * listens for `chat:message`, and catches up after a reconnect. `useChatPanel` is what the panel
 * needs on top: send (over the socket, with an ack) and page back through history.
 *
 * A message is sent with a nonce of its own; a send whose ack does not come in time is sent again
 * with the same nonce once the socket is connected, and the server answers a repeat with the
 * message it stored the first time, so a retry never shows a message twice.
 */
import { type ChatMessage, EVENTS, MAX_CHAT_CHARS } from '@protocol/events';
import { onScopeDispose, ref } from 'vue';
import { CHAT_PAGE_SIZE, chatApi } from '@/api/chat';
import { ClientError, humanMessage, toClientError } from '@/api/errors';
import { useAuthStore } from '@/stores/auth';
import { useChatStore } from '@/stores/chat';
import { useRealtime } from './useRealtime';

export { MAX_CHAT_CHARS };

/** Tries per message: the first send and the retries after an ack timeout. */
const SEND_ATTEMPTS = 3;
/** How long a retry waits for the socket to be connected again, ms. */
const RECONNECT_WAIT_MS = 10_000;

/**
 * A fresh message nonce (`CHAT_NONCE_RE`): 128 random bits, hex. `getRandomValues` works on
 * plain-http LAN addresses too, where `crypto.randomUUID` does not exist (not a secure context).
 */
export function chatNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Resolves true once the socket is connected (at once if it is), false after `ms`. */
function whenConnected(client: ReturnType<typeof useRealtime>, ms: number): Promise<boolean> {
  if (client.socket.connected) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (connected: boolean) => {
      clearTimeout(timer);
      off();
      resolve(connected);
    };
    const timer = setTimeout(() => done(false), ms);
    const off = client.on('status', (status) => {
      if (status.state === 'connected') done(true);
    });
  });
}

export function useChatFeed(sessionId: string): void {
  const client = useRealtime();
  const chat = useChatStore();
  const auth = useAuthStore();
  chat.reset(sessionId);

  const onMessage = (message: ChatMessage) => chat.receive(message, auth.user?.id ?? null);
  client.socket.on(EVENTS.chatMessage, onMessage);

  async function loadNewest(): Promise<void> {
    try {
      const { messages } = await chatApi.page(sessionId);
      if (!chat.loaded) chat.addPage(sessionId, messages, CHAT_PAGE_SIZE, false);
      // After a reconnect: what others wrote meanwhile is news.
      else for (const m of [...messages].reverse()) onMessage(m);
      chat.setLoadError(sessionId, null);
    } catch (error) {
      if (!chat.loaded) chat.setLoadError(sessionId, humanMessage(error));
    }
  }

  // The socket only receives messages while connected: fetch what was missed on the way back.
  let connected = client.currentStatus.state === 'connected';
  const offStatus = client.on('status', (status) => {
    const now = status.state === 'connected';
    if (now && !connected) void loadNewest();
    connected = now;
  });
  void loadNewest();

  onScopeDispose(() => {
    client.socket.off(EVENTS.chatMessage, onMessage);
    offStatus();
    chat.reset(null);
  });
}

export function useChatPanel(sessionId: string) {
  const client = useRealtime();
  const chat = useChatStore();
  const loadingOlder = ref(false);
  const olderError = ref<string | null>(null);

  chat.setPanelOpen(true);
  onScopeDispose(() => chat.setPanelOpen(false));

  /**
   * Sends a message; resolves once the server stored it, rejects with a ClientError. An ack
   * timeout is retried with the same nonce (the server stores the message once).
   */
  async function send(text: string): Promise<void> {
    if (!client.socket.connected) {
      throw new ClientError('ERR_UNAVAILABLE', 0, 'You are offline: the message was not sent.');
    }
    const nonce = chatNonce();
    for (let attempt = 1; ; attempt++) {
      try {
        const ack = await client.request<{ message: ChatMessage }>(EVENTS.chatSend, {
          sessionId,
          text,
          nonce,
        });
        chat.merge(sessionId, [ack.message]);
        return;
      } catch (error) {
        if (toClientError(error).code !== 'ERR_UNAVAILABLE' || attempt >= SEND_ATTEMPTS) throw error;
        if (!(await whenConnected(client, RECONNECT_WAIT_MS))) throw error;
      }
    }
  }

  /** The next page back (or, when nothing has loaded yet, the newest page: a retry). */
  async function loadOlder(): Promise<void> {
    if (loadingOlder.value) return;
    loadingOlder.value = true;
    olderError.value = null;
    try {
      const oldest = chat.messages[0]?.id;
      const { messages } = await chatApi.page(sessionId, oldest === undefined ? {} : { before: oldest });
      chat.addPage(sessionId, messages, CHAT_PAGE_SIZE, oldest !== undefined);
      chat.setLoadError(sessionId, null);
    } catch (error) {
      olderError.value = humanMessage(error);
    } finally {
      loadingOlder.value = false;
    }
  }

  return { send, loadOlder, loadingOlder, olderError };
}
